-- throttles_and_accounts_enum_values: the enum values the next migration (throttles_and_accounts) uses:
-- group_status archived (a group whose last owner deleted their account with nobody else in it) and
-- notification_kind export_ready. Alone in its migration: a value added to an enum cannot be used in
-- the same transaction. Written by hand from the db:diff output of throttles_and_accounts.
-- Once committed this file is history: never edit it, add a new migration instead.

ALTER TYPE "public"."group_status" ADD VALUE 'archived' AFTER 'suspended';

ALTER TYPE "public"."notification_kind" ADD VALUE 'export_ready' AFTER 'report_resolved';
