DATETIME_FORMAT = "Y年n月j日 H:i e"
