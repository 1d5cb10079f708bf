"""Patchbay slash-command example: `/weather <city>` answers at once, `/weather later <city>` later."""
import base64, hashlib, hmac, json, os, threading, time, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = base64.b64decode(os.environ["PATCHBAY_COMMAND_SECRET"].removeprefix("whsec_"))

def verified(headers, body):
    # Standard Webhooks; the time window stops replays of an old, validly signed request.
    msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    fresh = stamp.isdecimal() and len(stamp) < 16 and abs(time.time() - int(stamp)) <= 300
    mac = base64.b64encode(hmac.new(KEY, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest())
    signatures = headers.get("webhook-signature", "").split()  # one per valid secret during a rotation
    return fresh and any(hmac.compare_digest(s.encode(), b"v1," + mac) for s in signatures)

def forecast(city):
    return f"{city}: 18°C, light rain (a made-up forecast)" if city else "Usage: /weather [later] <city>"

def post_later(response_url, text):  # the responseUrl itself is the credential: no token
    body = json.dumps({"text": text, "responseType": "in_channel"}).encode()
    request = urllib.request.Request(response_url, body, {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))  # verify the raw bytes
        if not verified(self.headers, body):
            return self.reply(401)
        invocation = json.loads(body)
        if "command" not in invocation:  # an event delivery (outboundWebhooks uses this URL too)
            return self.reply(200)
        text = invocation.get("text", "").strip()
        if text.startswith("later "):  # answer 202 now; a timer thread posts the forecast afterwards
            threading.Timer(0.2, post_later, (invocation["responseUrl"], forecast(text[6:].strip()))).start()
            return self.reply(202)
        self.reply(200, {"text": forecast(text), "responseType": "ephemeral"})

    def reply(self, status, payload=None):
        data = json.dumps(payload).encode() if payload else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Handler)
print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)  # PORT=0: the port it got
server.serve_forever()
