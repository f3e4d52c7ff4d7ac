"""Organisation scans: many repositories, a mirror cache, an incremental datastore, shards."""
