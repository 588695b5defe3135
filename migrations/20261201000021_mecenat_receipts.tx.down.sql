DROP TABLE mecenat_disputes, mecenat_receipt_lines, mecenat_receipts;
