"""After a leak: rotation runbooks, the history purge and the incident note."""
