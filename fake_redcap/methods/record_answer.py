"""The answer of an accepted record import, per returnContent and return format (V15
`API/record/import.php`:70-150)."""

from __future__ import annotations

from fake_redcap.call import Call
from fake_redcap.errors import ReturnFormat, php_json_encode
from fake_redcap.methods.export_format import XML_DECLARATION, csv_line, reply
from fake_redcap.responses import Reply


def import_answer(call: Call, ids: list[str]) -> Reply:
    """API/record/import.php: the answer per returnContent, in the return format."""
    params = call.params
    content = params.text("returnContent")
    if content.lower() not in ("ids", "auto_ids", "nothing", "count"):
        content = "count"
    force = params.text("forceAutoNumber") == "1" or params.text("forceAutoNumber").lower() == "true"
    if content == "auto_ids" and not force:
        content = "count"
    fmt = call.return_format
    # The project never auto-numbers (record_autonumbering_enabled 0), so each record keeps its name.
    pairs = [(name, name) for name in ids]
    if fmt is ReturnFormat.JSON:
        body = {
            "auto_ids": lambda: php_json_encode([f"{new},{old}" for new, old in pairs]),
            "ids": lambda: php_json_encode(ids),
            "count": lambda: '{"count": ' + str(len(ids)) + "}",
        }.get(content, lambda: "")()
    elif fmt is ReturnFormat.XML:
        body = (
            XML_DECLARATION
            + {
                "auto_ids": lambda: (
                    "<ids>" + "".join(f"<id>{new},{old}</id>" for new, old in pairs) + "</ids>"
                ),
                "ids": lambda: "<ids>" + "".join(f"<id>{name}</id>" for name in ids) + "</ids>",
                "count": lambda: f"<count>{len(ids)}</count>",
            }.get(content, lambda: "")()
        )
    else:
        body = {
            "auto_ids": lambda: (
                csv_line(["id", "original_id"]) + "".join(csv_line(p) for p in pairs)
            ).strip(),
            "ids": lambda: (csv_line(["id"]) + "".join(csv_line([name]) for name in ids)).strip(),
            "count": lambda: str(len(ids)),
        }.get(content, lambda: "")()
    return reply(body, fmt, call)
