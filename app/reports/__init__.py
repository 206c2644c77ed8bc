"""Reports for reviewers: the dashboard's aggregates, the lists behind them and the one audit log."""
