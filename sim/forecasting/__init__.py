"""Rolling-origin forecasts scored out of sample against naive forecasts."""
