"""An offline Bot API for tests: the real ``Bot``/``Application`` code runs, only the HTTP answer is faked.

``RecordingRequest`` answers the methods the bot uses with realistic JSON and records every call (method
and decoded parameters); ``updates`` builds real Update payloads (messages, commands, mentions, replies,
forum topics, button presses, inline queries) to feed through ``Application.process_update``.
"""

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

TOKEN = "123456789:TESTtokenTESTtokenTESTtokenTESTtok"
BOT_ID = 123456789
BOT_USERNAME = "AlmanacTestBot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Almanac", "username": BOT_USERNAME}
GET_ME = {
    **BOT_USER,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}


@dataclass(frozen=True, slots=True)
class Upload:
    """One file of a multipart upload, as the Bot API receives it."""

    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None
    at: float = field(default_factory=time.perf_counter)  # when the call was answered
    files: dict[str, Upload] = field(default_factory=dict)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # Telegram's limits for sendPhoto
PHOTO_MAX_SIDES = 10_000  # width + height
PHOTO_MAX_RATIO = 20
PHOTO_SIZES = (90, 320, 800, 1280, 2560)  # the longest sides of the sizes Telegram keeps of a photo


def png_size(content: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk (None if it is not a PNG)."""
    if not content.startswith(PNG_SIGNATURE) or content[12:16] != b"IHDR":
        return None
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


_JSON_FIELDS = frozenset({"reply_markup", "reply_parameters", "caption_entities", "link_preview_options"})
_INTEGER_FIELDS = frozenset({"chat_id", "message_thread_id", "reply_to_message_id"})


def _form_fields(request_data: RequestData) -> dict[str, Any]:
    """A multipart request's form fields as the server reads them: all text, JSON and integers decoded."""
    fields: dict[str, Any] = {}
    for name, value in request_data.json_parameters.items():
        if name in _JSON_FIELDS:
            fields[name] = json.loads(value)
        elif name in _INTEGER_FIELDS and value.lstrip("-").isdigit():
            fields[name] = int(value)
        else:
            fields[name] = value
    return fields


@dataclass
class RecordingRequest(BaseRequest):
    """Answers Bot API calls locally and keeps them in ``calls``.

    ``fail`` maps a method name to an exception raised (once) instead of answering, or to a list of them
    raised on that many calls in turn, to exercise retries and the error handler; ``slow`` maps a chat id to
    the seconds every call to that chat takes (a chat Telegram is throttling); ``updates`` is what getUpdates
    hands out (then empty lists, after a short long-poll wait).
    ``members`` maps (chat id, user id) to a getChatMember status (default ``member``); sendMessage to a chat
    in ``blocked`` answers 403 as Telegram does when the user blocked the bot or it was removed from the
    group, and to one in ``missing`` 400 "chat not found". ``before_send``, if set, is awaited before every
    sendMessage is answered (to hold or slow sends down).
    """

    calls: list[Call] = field(default_factory=list)
    fail: dict[str, Exception | list[Exception]] = field(default_factory=dict)
    slow: dict[int, float] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    missing: set[int] = field(default_factory=set)
    before_send: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(5000))
    _uploads: dict[str, Upload] = field(default_factory=dict)  # file_id → the photo it names

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        files: dict[str, Upload] = {}
        if request_data is not None and request_data.contains_files:  # multipart/form-data, as PTB sends it
            params = _form_fields(request_data)
            files = {key: Upload(*field) for key, field in request_data.multipart_data.items()}  # type: ignore[arg-type]
        else:
            params = json.loads(json.dumps(request_data.parameters)) if request_data else {}
        if name in self.fail:
            self.calls.append(Call(name, params, files=files))
            failures = self.fail[name]
            if not isinstance(failures, list) or len(failures) <= 1:
                del self.fail[name]
            raise failures.pop(0) if isinstance(failures, list) else failures
        if (delay := self.slow.get(params.get("chat_id", 0), 0.0)) > 0:
            await asyncio.sleep(delay)
        if name == "sendMessage" and self.before_send is not None:
            await self.before_send(params)
        if name == "sendMessage" and (refused := self._refused(int(params["chat_id"]))):
            self.calls.append(Call(name, params))
            code, description = refused
            return code, json.dumps({"ok": False, "error_code": code, "description": description}).encode()
        if name == "sendPhoto" and (problem := self._photo_problem(params, files, self._uploads)):
            self.calls.append(Call(name, params, files=files))
            return 400, json.dumps({"ok": False, "error_code": 400, "description": problem}).encode()
        result = await self._result(name, params, files)
        self.calls.append(Call(name, params, result, files=files))
        if result is None:
            body = {"ok": False, "error_code": 404, "description": f"Not Found: method {name} is not faked"}
            return 404, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    @staticmethod
    def _photo_problem(params: dict[str, Any], files: dict[str, Upload], known: dict[str, Upload]) -> str | None:
        """What Telegram would reject about a sendPhoto (an upload, or the file_id of an earlier one)."""
        upload = files.get("photo")
        if upload is None and isinstance(params.get("photo"), str):
            return None if params["photo"] in known else "Bad Request: wrong file identifier/HTTP URL specified"
        if upload is None:
            return "Bad Request: there is no photo in the request"
        size = png_size(upload.content)
        if size is None:
            return "Bad Request: IMAGE_PROCESS_FAILED"
        if len(upload.content) > PHOTO_MAX_BYTES:
            return "Bad Request: PHOTO_INVALID_DIMENSIONS"
        width, height = size
        if width + height > PHOTO_MAX_SIDES or max(width, height) > PHOTO_MAX_RATIO * min(width, height):
            return "Bad Request: PHOTO_INVALID_DIMENSIONS"
        if len(params.get("caption", "")) > 1024:
            return "Bad Request: message caption is too long"
        return None

    async def _result(self, name: str, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        if name == "getMe":
            return GET_ME
        if name == "getUpdates":
            if self.updates:
                batch, self.updates = self.updates, []
                return batch
            await asyncio.sleep(0.05)
            return []
        if name == "sendMessage":
            return self._message(params, next(self._ids))
        if name == "sendPhoto":
            return self._photo_message(params, files, next(self._ids))
        if name == "editMessageText":
            return self._message(params, params.get("message_id", 1)) if "chat_id" in params else True
        if name == "getChatMember":
            return chat_member(self.members.get((int(params["chat_id"]), int(params["user_id"])), "member"), params)
        if name == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if name in {
            "answerCallbackQuery",
            "answerInlineQuery",
            "sendChatAction",
            "setMyCommands",
            "deleteMyCommands",
            "deleteWebhook",
            "setWebhook",
        }:
            return True
        return None

    def _refused(self, chat_id: int) -> tuple[int, str] | None:
        if chat_id in self.blocked:
            who = "user" if chat_id > 0 else "group chat"
            return 403, f"Forbidden: bot was {'blocked by the user' if who == 'user' else 'kicked from the group chat'}"
        if chat_id in self.missing:
            return 400, "Bad Request: chat not found"
        return None

    @staticmethod
    def _message(params: dict[str, Any], message_id: int) -> dict[str, Any]:
        chat_id = params["chat_id"]
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if int(chat_id) > 0 else "supergroup"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        if "message_thread_id" in params:
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = True
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _photo_message(self, params: dict[str, Any], files: dict[str, Upload], message_id: int) -> dict[str, Any]:
        """The Message Telegram returns for a photo: the caption, and the sizes it keeps (longest side 90,
        320, 800, 1280, 2560, never larger than the upload), each a file_id it accepts from then on."""
        message = self._message(params, message_id)
        del message["text"]
        if "caption" in params:
            message["caption"] = params["caption"]
        upload = files["photo"] if "photo" in files else self._uploads[params["photo"]]
        width, height = png_size(upload.content) or (0, 0)
        sizes: list[dict[str, Any]] = []
        for n, side in enumerate(PHOTO_SIZES):
            scale = min(1.0, side / max(width, height))
            sizes.append(
                {
                    "file_id": f"AgAC{message_id}x{n}",
                    "file_unique_id": f"AQAD{message_id}{n}",
                    "width": round(width * scale),
                    "height": round(height * scale),
                    "file_size": round(len(upload.content) * scale * scale),
                }
            )
            self._uploads[sizes[-1]["file_id"]] = upload
            if scale == 1.0:
                break
        message["photo"] = sizes
        return message

    # -- what the bot sent ---------------------------------------------------------------------------

    def of(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call to ``method``, in order."""
        return [call.params for call in self.calls if call.method == method]

    def sent(self) -> list[dict[str, Any]]:
        return self.of("sendMessage")

    def messages(self) -> list[dict[str, Any]]:
        """The Message objects (as JSON) the fake returned for every sendMessage."""
        return [call.result for call in self.calls if call.method == "sendMessage" and call.result]

    def texts(self) -> list[str]:
        return [params["text"] for params in self.sent()]

    def buttons(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every inline button of one sent/edited message, row by row."""
        markup = params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    def photos(self) -> list[tuple[dict[str, Any], Upload]]:
        """Every sendPhoto that was accepted: its parameters and the photo (uploaded, or named by file_id)."""
        return [
            (call.params, call.files.get("photo") or self._uploads[call.params["photo"]])
            for call in self.calls
            if call.method == "sendPhoto" and call.result
        ]

    def clear(self) -> None:
        self.calls.clear()


def not_connected() -> NetworkError:
    """What PTB's HTTPXRequest raises when the connection could not be opened: nothing was sent."""
    cause = httpx.ConnectError("[Errno 104] Connection reset by peer")
    error = NetworkError(f"httpx.ConnectError: {cause}")
    error.__cause__ = cause
    return error


def timed_out_after_sending() -> TimedOut:
    """What HTTPXRequest raises when the answer did not come in time: Telegram may have the message."""
    cause = httpx.ReadTimeout("timed out")
    error = TimedOut()
    error.__cause__ = cause
    return error


class UpdateFactory:
    """Builds Update payloads as Telegram sends them (ids increase; dates are now)."""

    def __init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)

    def _user(self, user_id: int, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Ada", "username": f"user{user_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    @staticmethod
    def _chat(chat_id: int, chat_type: str) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Ada"
        else:
            chat["title"] = "AI chat"
            if chat_type == "supergroup":
                chat["is_forum"] = True
        return chat

    def message(
        self,
        text: str,
        *,
        chat_type: str = "private",
        chat_id: int | None = None,
        user_id: int = 42,
        language_code: str | None = "en",
        entities: list[dict[str, Any]] | None = None,
        reply_to: dict[str, Any] | None = None,
        thread_id: int | None = None,
        sender_chat: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A text message; a leading /command gets its bot_command entity as Telegram adds it.
        ``sender_chat`` makes it a message sent on behalf of a chat (an anonymous group administrator)."""
        if chat_id is None:
            chat_id = user_id if chat_type == "private" else -1001234567890
        entities = list(entities or [])
        if text.startswith("/"):
            entities.insert(0, {"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type),
            "from": self._user(user_id, language_code),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        return {"update_id": next(self._update_ids), "message": message}

    def mention(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """A group message with an @mention entity for every ``@word`` in it."""
        entities = []
        for word in text.split():
            if word.startswith("@"):
                entities.append(
                    {"type": "mention", "offset": _utf16_offset(text, text.index(word)), "length": len(word)}
                )
        return self.message(text, chat_type=kwargs.pop("chat_type", "supergroup"), entities=entities, **kwargs)

    def bot_message(self, chat_id: int, chat_type: str, text: str = "an earlier answer") -> dict[str, Any]:
        """A message the bot sent earlier (for replies to it and buttons under it)."""
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type),
            "from": BOT_USER,
            "text": text,
        }

    def callback(
        self,
        data: str,
        *,
        message: dict[str, Any] | None = None,
        user_id: int = 42,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """A button press under ``message`` (by default a fresh bot message in a private chat)."""
        message = message or self.bot_message(user_id, "private")
        query = {
            "id": str(next(self._update_ids) * 7919),
            "from": self._user(user_id, language_code),
            "chat_instance": "-77",
            "data": data,
            "message": message,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    def inline(self, query: str, *, user_id: int = 42, language_code: str | None = "en") -> dict[str, Any]:
        payload = {"id": str(next(self._update_ids) * 104729), "from": self._user(user_id, language_code)}
        payload |= {"query": query, "offset": ""}
        return {"update_id": next(self._update_ids), "inline_query": payload}


_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


_RESTRICTED_RIGHTS = (
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_send_messages",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_manage_topics",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_edit_tag",
    "can_react_to_messages",
)


def chat_member(status: str, params: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember as getChatMember returns it: creator, administrator (with its rights), member, left …"""
    user = {"id": int(params["user_id"]), "is_bot": False, "first_name": "Ada"}
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member |= {"can_be_edited": False, "is_anonymous": False} | dict.fromkeys(_ADMIN_RIGHTS, True)
    elif status == "restricted":
        member |= {"is_member": True, "until_date": 0} | dict.fromkeys(_RESTRICTED_RIGHTS, False)
    return member


def _utf16_offset(text: str, index: int) -> int:
    """Telegram counts entity offsets in UTF-16 code units."""
    return len(text[:index].encode("utf-16-le")) // 2
