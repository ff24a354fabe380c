"""Resolved pages to HTML: articles (with the one notice and "About this page"), whole documents,
their links (to the server's routes or an export's files) and their stylesheets."""

from service.render.article import article_context
from service.render.assets import ASSETS, embed, stylesheet
from service.render.document import render_document
from service.render.html import UiText, article_html, inline_html, render_template
from service.render.links import SERVER, ExportLinks, Links

__all__ = [
    "ASSETS",
    "SERVER",
    "ExportLinks",
    "Links",
    "UiText",
    "article_context",
    "article_html",
    "embed",
    "inline_html",
    "render_document",
    "render_template",
    "stylesheet",
]
