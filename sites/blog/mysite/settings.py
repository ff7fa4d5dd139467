# Django-style settings: plain module globals, read by the views at request time.
SITE_NAME = "blog"
GREETING = "Welcome to the blog"
DEBUG = False
POSTS_PER_PAGE = 10
STATIC_URL = "/static/"
INSTALLED_APPS = ["mysite.posts", "mysite.comments"]
