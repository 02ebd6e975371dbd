"""Personal data: what the app holds about a shopper, handing it over, letting it go.

Shopper data reaches almost every domain's tables (sync, line, search, flows, tracking),
so the one place that knows where it all is lives here, beside those domains rather than
inside any of them: `holdings` finds everything held about one shopper (the data-request
export and the erasure both start from it), `erasure` erases a shopper or a whole shop,
`deliveries` reduces raw webhook bodies to what debugging needs, `retention` trims what
has been kept long enough (a worker job) and describes the periods for the Privacy page.
"""
