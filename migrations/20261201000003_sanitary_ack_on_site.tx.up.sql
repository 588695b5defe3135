-- Whoever goes on site acknowledges the sanitary rules (catalog.Mission's
-- NeedsSanitaryAck): it was set on vital missions only, so that no
-- association's on-site mission ever asked for it although the pages said so.
UPDATE missions SET requires_sanitary_ack = (format <> 'remote') WHERE requires_sanitary_ack <> (format <> 'remote');
