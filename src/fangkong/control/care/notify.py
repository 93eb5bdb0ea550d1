"""Telling the care team of an alert by SMS, queued (a huey task), so that a slow
gateway never holds up a door sensor or a worker's phone. Services queue it on commit;
`tasks` lists it for huey's consumer."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

from fangkong.control.models import Alert
from fangkong.core.sms import SmsError, send_sms

from . import selectors

log = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=20)
def notify_care_team(alert_id: int) -> int:
    """SMS the care team's phones about an alert; returns the messages sent."""
    alert = selectors.alert_for_notice(pk=alert_id)
    if alert is None or alert.status == Alert.Status.CLOSED:
        return 0
    text = selectors.alert_message(alert)
    sent = 0
    for phone in selectors.alert_recipients(alert):
        try:
            send_sms(phone, text, purpose="control.alert")
        except SmsError:
            log.warning("alert %s: SMS to …%s failed", alert_id, phone[-4:])
            continue
        sent += 1
    return sent
