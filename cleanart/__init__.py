"""cleanart: clean and convert scraped articles to Markdown, plain text or JSON.

from cleanart import clean
art = clean(raw)            # str or bytes: front matter + HTML, Markdown or text
art.markdown, art.text, art.meta

The names come from cleanart.api when first used, so ``cleanart --version`` (and any
command that needs less) does not pay for importing the whole pipeline.
"""

from __future__ import annotations

__version__ = "0.1.0"


def __getattr__(name: str):
    if name.startswith("_") and name != "__all__":  # __path__, __file__...: never the API's
        raise AttributeError(f"module 'cleanart' has no attribute {name!r}")
    import importlib

    api = importlib.import_module("cleanart.api")
    if name == "__all__":
        return [*api.__all__, "__version__"]
    if name in api.__all__:
        return getattr(api, name)
    raise AttributeError(f"module 'cleanart' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__getattr__("__all__")})
