"""Discovery: outlets' feeds, news sitemaps and section pages are read every cycle, new
item URLs are classified once (ticker or not), tickers become sources of their own, and
their life (live → ended) and poll interval follow what the tickers themselves show.

`feeds` reads the listings, `classify` decides ticker or not, `lifecycle` decides when a
ticker has ended, `policy` how often a ticker is due, `run` ties them into one cycle step.
"""
