# Django-style settings: plain module globals, read by the views at request time.
SITE_NAME = "shop"
GREETING = "Welcome to the shop"
DEBUG = False
CURRENCY = "EUR"
ITEMS_PER_PAGE = 24
INSTALLED_APPS = ["mysite.catalog", "mysite.cart"]
