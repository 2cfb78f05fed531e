-- Scenario 2 bound: :batch jobs per transaction (rows made by the server, so an upper bound).
insert into raw_jobs (payload) select jsonb_build_object('n', g) from generate_series(1, :batch) g;
