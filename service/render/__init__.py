"""Resolved pages to HTML: articles, whole documents, their links and stylesheets."""
