"""cleanart: clean and convert scraped articles to Markdown, plain text or JSON.

from cleanart import clean
art = clean(raw)            # str or bytes: front matter + HTML, Markdown or text
art.markdown, art.text, art.meta
"""

__version__ = "0.1.0"

from .api import Article, CleanartError, HeaderError, Options, RuleError, clean, clean_file

__all__ = [
    "Article",
    "CleanartError",
    "HeaderError",
    "Options",
    "RuleError",
    "__version__",
    "clean",
    "clean_file",
]
