"""Link targets from imports or the database are never trusted to be safe as they are."""


def web_url(value: str) -> str:
    """The URL if it is http(s), else ""."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""
