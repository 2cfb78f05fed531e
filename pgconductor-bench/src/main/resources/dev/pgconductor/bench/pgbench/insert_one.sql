-- Scenario 1 bound: one job per transaction.
insert into raw_jobs (payload) values (jsonb_build_object('n', :client_id::int));
