create table if not exists users (
  id text primary key,
  email text not null
);
