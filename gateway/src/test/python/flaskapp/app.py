"""Test app: Flask 1.1.4, unchanged, from ../shared/frameworks. Python 2.7 (Jython).

Templates, JSON, a form, the cookie session, a multipart upload, a streamed response and send_file.
"""
import hashlib
import os

from flask import Flask, Response, jsonify, render_template, request, send_file, session

app = Flask(__name__)
app.secret_key = "flask-test-secret"

HERE = os.path.dirname(os.path.abspath(__file__))


@app.route("/")
def index():
    return render_template("index.html", name=request.args.get("name", "world"))


@app.route("/api/<int:number>")
def api(number):
    return jsonify(number=number, square=number * number, site="flask")


@app.route("/form", methods=["POST"])
def form():
    return "hello %s, you are %s" % (request.form["name"], request.form["age"])


@app.route("/visits")
def visits():
    session["visits"] = session.get("visits", 0) + 1
    return jsonify(visits=session["visits"])


@app.route("/upload", methods=["POST"])
def upload():
    upload = request.files["file"]
    data = upload.read()
    return jsonify(filename=upload.filename, length=len(data), sha256=hashlib.sha256(data).hexdigest(),
                   note=request.form.get("note"))


@app.route("/stream")
def stream():
    count = int(request.args.get("n", "3"))

    def lines():
        for i in range(count):
            yield "line %d\n" % i
    return Response(lines(), mimetype="text/plain")


@app.route("/file")
def file():
    return send_file(os.path.join(HERE, "templates", "index.html"), mimetype="text/plain")


application = app
