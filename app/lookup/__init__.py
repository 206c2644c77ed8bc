"""The public register lookup (医师执业注册信息查询, SPEC §7): exact matches only, a captcha and a per-client limit.

``search`` holds the read-only queries and the fields the public may see; ``service`` parses a
query, applies the captcha and the limit in a fixed order and returns the matches or a refusal.
The web page (app.views.lookup) and the JSON API (app.api.lookup) both go through ``service``.
"""
