"""The data types, the error hierarchy, the configuration, language tags and the approval
policy: what every stage of the pipeline shares. Imports nothing of the pipeline but `po`."""
