DROP TABLE chat_webhooks;
DROP TABLE signing_keys;
DROP TABLE account_digests;
DROP TABLE member_digests;
DROP TABLE account_mail_opt_outs;
DROP TABLE member_mail_opt_outs;
DROP TABLE calendar_feeds;
