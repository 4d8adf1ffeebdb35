"""Calibration of sim to the reported figures: targets, search, report and validation."""
