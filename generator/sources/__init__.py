"""Where download counts come from: pypistats.org over HTTP, or Google BigQuery."""
