ALTER TABLE missions RESET (fillfactor);
