DATETIME_FORMAT = "j E Y г., G:i e"
