"""LINE webhook events of every type for bench/fuzz.py, shaped like the Messaging API reference.

The common fields and the signed envelope come from tests/fakes/line_events.py (the same
builders the tests use); this adds the event types the tests do not build (media messages,
join/leave, member events, beacon, videoPlayComplete, an unknown type). Each builder takes
the case's `random.Random` so a case is reproducible from its seed.
"""

from __future__ import annotations

import random

from tests.fakes import line_events as ev

TEXTS = ["注文", "連携", "解除", "配信停止", "配信再開", "help", "抹茶", "煎茶 100g", "こんにちは", "🍵", ""]
POSTBACKS = [
    "action=link",
    "action=unlink",
    "action=unlink_yes",
    "action=unlink_no",
    "action=order",
    "action=stop",
    "action=resume",
    "action=help",
    "action=nope",
    "",
    "a=b&c",
]


def _id(rng: random.Random, digits: int = 18) -> str:
    return str(rng.randrange(10 ** (digits - 1), 10**digits))


def _user(rng: random.Random, users: list[str]) -> str:
    return rng.choice(users)


class CaseRandom(random.Random):
    """The case's generator, which also knows the case's number (for the event ids)."""

    def __init__(self, seed: int, case: int) -> None:
        super().__init__(f"{seed}:line:{case}")
        self.case = case


def case_of(event_id: str) -> int | None:
    """The case an event id was made for (ids start "FZ" and the case number)."""
    return int(event_id[2:12]) if event_id[:2] == "FZ" and event_id[2:12].isdigit() else None


def _base(rng: CaseRandom, kind: str, source: dict, *, reply: bool = True) -> dict:
    token = f"{rng.getrandbits(128):032x}" if reply else None
    ms = 1_790_000_000_000 + rng.randrange(10**9)
    # 26 characters like LINE's ULIDs, led by the case number so a row leads back to its case
    event_id = f"FZ{rng.case:010d}" + "".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(14))
    return ev.base_event(kind, source, reply_token=token, event_id=event_id, timestamp=ms)


def _message(rng: random.Random, users: list[str]) -> dict:
    event = _base(rng, "message", ev.user_source(_user(rng, users)))
    kind = rng.choice(["text", "text", "text", "image", "video", "audio", "file", "location", "sticker"])
    message = {"id": _id(rng), "type": kind, "quoteToken": "q" * 40}
    if kind == "text":
        message["text"] = rng.choice(TEXTS)
        if rng.random() < 0.2:
            message["emojis"] = [{"index": 0, "length": 6, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "001"}]
            message["mention"] = {"mentionees": [{"index": 0, "length": 4, "type": "user", "userId": users[0]}]}
    elif kind in ("image", "video", "audio", "file"):
        message["contentProvider"] = {"type": "line"}
        if kind in ("video", "audio"):
            message["duration"] = 60000
        if kind == "file":
            message.update(fileName="file.pdf", fileSize=2138)
        if kind == "image":
            message["imageSet"] = {"id": "E005D4", "index": 1, "total": 2}
    elif kind == "location":
        message.update(title="東京タワー", address="東京都港区芝公園4-2-8", latitude=35.6586, longitude=139.7454)
    else:
        message.update(packageId="446", stickerId="1988", stickerResourceType="STATIC", keywords=["happy"])
    event["message"] = message
    return event


def _follow(rng: random.Random, users: list[str]) -> dict:
    event = _base(rng, "follow", ev.user_source(_user(rng, users)))
    event["follow"] = {"isUnblocked": rng.random() < 0.3}
    return event


def _unfollow(rng: random.Random, users: list[str]) -> dict:
    return _base(rng, "unfollow", ev.user_source(_user(rng, users)), reply=False)


def _postback(rng: random.Random, users: list[str]) -> dict:
    event = _base(rng, "postback", ev.user_source(_user(rng, users)))
    event["postback"] = {"data": rng.choice(POSTBACKS)}
    if rng.random() < 0.2:
        event["postback"]["params"] = {"datetime": "2026-11-25T10:00"}
    return event


def _account_link(rng: random.Random, users: list[str]) -> dict:
    ok = rng.random() < 0.7
    event = _base(rng, "accountLink", ev.user_source(_user(rng, users)), reply=ok)
    event["link"] = {"result": "ok" if ok else "failed", "nonce": f"{rng.getrandbits(128):032x}"}
    return event


def _unsend(rng: random.Random, users: list[str]) -> dict:
    event = _base(rng, "unsend", ev.user_source(_user(rng, users)), reply=False)
    event["unsend"] = {"messageId": _id(rng)}
    return event


def _group_source(rng: random.Random, users: list[str]) -> dict:
    if rng.random() < 0.5:
        return ev.group_source(ev.new_group_id(), _user(rng, users) if rng.random() < 0.7 else None)
    return {"type": "room", "roomId": "R" + f"{rng.getrandbits(128):032x}", "userId": _user(rng, users)}


def _join(rng: random.Random, users: list[str]) -> dict:
    return _base(rng, "join", _group_source(rng, users))


def _leave(rng: random.Random, users: list[str]) -> dict:
    return _base(rng, "leave", _group_source(rng, users), reply=False)


def _member_joined(rng: random.Random, users: list[str]) -> dict:
    event = _base(rng, "memberJoined", _group_source(rng, users))
    event["joined"] = {"members": [ev.user_source(u) for u in rng.sample(users, 2)]}
    return event


def _member_left(rng: random.Random, users: list[str]) -> dict:
    event = _base(rng, "memberLeft", _group_source(rng, users), reply=False)
    event["left"] = {"members": [ev.user_source(_user(rng, users))]}
    return event


def _beacon(rng: random.Random, users: list[str]) -> dict:
    event = _base(rng, "beacon", ev.user_source(_user(rng, users)))
    event["beacon"] = {"hwid": "d41d8cd98f", "type": rng.choice(["enter", "banner", "stay"]), "dm": "1234"}
    return event


def _video_play_complete(rng: random.Random, users: list[str]) -> dict:
    event = _base(rng, "videoPlayComplete", ev.user_source(_user(rng, users)))
    event["videoPlayComplete"] = {"trackingId": "track-id"}
    return event


def _unknown(rng: random.Random, users: list[str]) -> dict:
    event = _base(rng, rng.choice(["things", "activated", "botSuspended", "módulo"]), ev.user_source(_user(rng, users)))
    event["things"] = {"deviceId": "t016560bc3fb1e42b9fe9293ca6e2db71", "type": "link"}
    return event


BUILDERS = {
    "message": _message,
    "follow": _follow,
    "unfollow": _unfollow,
    "postback": _postback,
    "accountLink": _account_link,
    "unsend": _unsend,
    "join": _join,
    "leave": _leave,
    "memberJoined": _member_joined,
    "memberLeft": _member_left,
    "beacon": _beacon,
    "videoPlayComplete": _video_play_complete,
    "unknown": _unknown,
}
