DROP TABLE low_price_checks;
