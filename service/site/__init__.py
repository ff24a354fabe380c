"""The site: loading a tree, the serving rule, coverage and findings, the build cache,
the prepared bodies, live reload and the static export."""
