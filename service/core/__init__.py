"""The data types, the error hierarchy, the configuration, language tags and the approval
policy: what every stage of the pipeline shares. Imports nothing of the pipeline but `po`."""

from service.core.config import CONFIG_NAME, Config, find_root, load_config
from service.core.errors import ConfigError, L10nError, LocaleError
from service.core.locales import canonical_tag
from service.core.models import SOURCE_LOCALE, UI_DOMAIN, Page, Role, Segment, fingerprint
from service.core.policy import Policy, Reviewer

__all__ = [
    "CONFIG_NAME",
    "SOURCE_LOCALE",
    "UI_DOMAIN",
    "Config",
    "ConfigError",
    "L10nError",
    "LocaleError",
    "Page",
    "Policy",
    "Reviewer",
    "Role",
    "Segment",
    "canonical_tag",
    "find_root",
    "fingerprint",
    "load_config",
]
