"""A plain-text rendering of LINE messages, for the terminal (`flask chat`) and logs."""

from __future__ import annotations


def _walk(node, out: list[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "text" and "text" in node and "contents" not in node:
            out.append(str(node["text"]))
        elif node.get("type") == "button":
            action = node.get("action") or {}
            target = action.get("uri") or action.get("data") or action.get("text") or ""
            out.append(f"[{action.get('label', '')} → {target}]")
        for key in ("header", "hero", "body", "footer", "contents"):
            if key in node:
                _walk(node[key], out)
    elif isinstance(node, list):
        for child in node:
            _walk(child, out)


def describe(message: dict) -> str:
    kind = message.get("type")
    if kind == "text":
        lines = [message.get("text", "")]
    elif kind == "flex":
        lines = []
        _walk(message.get("contents"), lines)
    elif kind == "template":
        template = message.get("template") or {}
        lines = [template.get("text", "")] + [f"[{a.get('label', '')}]" for a in template.get("actions") or []]
    else:
        lines = [f"({kind} message)"]
    quick = (message.get("quickReply") or {}).get("items") or []
    if quick:
        lines.append(" ".join(f"({item['action'].get('label', '')})" for item in quick))
    return "\n".join(line for line in lines if line)
