"""The warehouse held open by other programs: the bounded wait, the one-line failure, the snapshot, ``spotify-assets sql``."""
