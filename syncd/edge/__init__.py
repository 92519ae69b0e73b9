"""The HTTP edge every connector shares: one retry policy, one ``Retry-After`` parser, one
limiter interface and one settings base.

A connector translates its vendor's errors into syncd's error tree and leaves waiting, retrying
and rate limiting to these modules, so each vendor folder holds only what is vendor-specific.
"""
