"""A loopback SMTP sink for the mail tests: aiosmtpd on 127.0.0.1:<port>; each message is kept as it came
(<n>.eml) and as JSON (<n>.json: envelope, headers, the text and HTML parts decoded by Python's email
package), so the tests read back exactly what a mail client would show."""
import json, os, sys, time
from email import message_from_bytes, policy
from aiosmtpd.controller import Controller

out_dir, port = sys.argv[1], int(sys.argv[2])
count = 0

class Sink:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        raw = envelope.original_content or envelope.content
        msg = message_from_bytes(raw, policy=policy.default)
        parts = {}
        for part in msg.walk():
            if part.get_content_maintype() == 'text' and not part.is_attachment():
                parts.setdefault(part.get_content_subtype(), part.get_content())
        doc = {
            'mailFrom': envelope.mail_from,
            'rcptTos': envelope.rcpt_tos,
            'headers': {k.lower(): str(v) for k, v in msg.items()},
            'contentType': msg.get_content_type(),
            'text': parts.get('plain'),
            'html': parts.get('html'),
        }
        name = os.path.join(out_dir, f'{time.time_ns()}-{count}')
        with open(name + '.eml', 'wb') as f:
            f.write(raw)
        with open(name + '.tmp', 'w') as f:
            json.dump(doc, f)
        os.rename(name + '.tmp', name + '.json')
        return '250 OK'

controller = Controller(Sink(), hostname='127.0.0.1', port=port)
controller.start()
print('ready', flush=True)
try:
    sys.stdin.read()  # until the test closes stdin
finally:
    controller.stop()
