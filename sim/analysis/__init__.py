"""Reading results: summaries, plots and the comparison of a sweep's arms."""
