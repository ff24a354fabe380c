"""Source pages to segments: the Markdown parser, inline text and the page loader
(the one page discovery)."""
