"""Imports every domain's jobs so TASKS knows them in web processes and workers alike."""

from inbox.accounts import tasks as account_tasks  # noqa: F401
from inbox.channels import polling as channel_polling  # noqa: F401
from inbox.channels import tasks as channel_tasks  # noqa: F401
from inbox.conversations import tasks as conversation_tasks  # noqa: F401
from inbox.forwarding import tasks as forwarding_tasks  # noqa: F401
from inbox.rota import tasks as rota_tasks  # noqa: F401
from inbox.routing import alerts as routing_alerts  # noqa: F401
from inbox.routing import tasks as routing_tasks  # noqa: F401
