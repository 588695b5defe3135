UPDATE missions SET requires_sanitary_ack = (coalesce(vital_category, '') <> '' AND format <> 'remote');
