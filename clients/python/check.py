"""Drives a live evo with the official `servicestack` Python client, using DTOs evo generates
itself (/types/python). Exits non-zero on any failure.
Environment: EVO_URL, EVO_EMAIL, EVO_PASSWORD, EVO_ENDPOINT."""

import os
import sys
import types
import urllib.request

from servicestack import JsonServiceClient, WebServiceException

url, email, password, endpoint = (
    os.environ[k] for k in ("EVO_URL", "EVO_EMAIL", "EVO_PASSWORD", "EVO_ENDPOINT")
)

source = urllib.request.urlopen(f"{url}/types/python").read().decode()
dtos = types.ModuleType("evo_dtos")
sys.modules["evo_dtos"] = dtos
exec(compile(source, "evo_dtos.py", "exec"), dtos.__dict__)

client = JsonServiceClient(url)

auth = client.post(dtos.Authenticate(provider="credentials", user_name=email, password=password))
assert auth.user_name == email, auth
assert auth.bearer_token, "login returns a bearer token"
client.bearer_token = auth.bearer_token
print("ok - login with credentials")

sent = client.post(
    dtos.SendMessage(endpoint_id=endpoint, to_address="+15556667777", body="Hello from servicestack.py")
)
assert sent.text == "Hello from servicestack.py", sent
assert sent.direction == dtos.MessageDirections.OUTGOING, sent.direction
print("ok - send a message")

page = client.get(dtos.ListMessages(count_per_page=10))
assert any(m.id == sent.id for m in page.items), page
conversations = client.get(dtos.ListConversations())
assert conversations.conversations[0].most_recent_message.id == sent.id
print("ok - list messages and conversations")

try:
    client.post(dtos.SendMessage(endpoint_id=endpoint, to_address="+15556667777"))
    raise AssertionError("a message without a body must be refused")
except WebServiceException as e:
    assert e.response_status.error_code == "NotEmpty", e.response_status
    assert e.response_status.errors[0].field_name == "Body", e.response_status
    print("ok - a validation error names its field")
print("4 passed, 0 failed")
