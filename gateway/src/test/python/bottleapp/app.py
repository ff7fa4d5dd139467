"""Test app: Bottle 0.12, unchanged, from Debian's python3-bottle (one file for Python 2 and 3)."""
import bottle

app = bottle.Bottle()


@app.route("/")
def index():
    return "bottle says hi"


@app.route("/hello/<name>")
def hello(name):
    return {"hello": name, "ua": bottle.request.headers.get("User-Agent", "")}


@app.post("/form")
def form():
    return "name=%s" % bottle.request.forms.get("name")


@app.post("/digest")
def digest():
    import hashlib
    data = bottle.request.body.read()
    return "%d %s" % (len(data), hashlib.sha256(data).hexdigest())


application = app
