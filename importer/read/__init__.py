"""Reading: a source (file, URL, DataFrame) -> rows -> planned columns -> contacts."""
