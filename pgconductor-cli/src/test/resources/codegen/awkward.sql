-- A schema with every type mapping and awkward names, for CodegenIT.
create schema shop;
create schema "Other Schema";

create type shop.ticket_status as enum ('new', 'in-progress', 'done', 'DONE', 'class', '2nd try', 'größe');
create domain shop.positive_int as int not null check (value > 0);
create domain shop.email as text;
create domain shop.tags as text[];
create type shop.address as (street text, zip text);

create table shop.contacts (
  id uuid primary key,
  first_name text not null,
  "firstName" text,
  "LastName" varchar(40),
  "class" int,
  "default" boolean not null,
  "with space" text,
  "quote""d" text,
  "dash-ed" text,
  "1st" int,
  "größe" numeric(10, 2),
  "hashCode" int,
  "*/ evil \u000a" text,
  initial char(3),
  small smallint not null,
  small_null smallint,
  big bigint not null,
  big_null bigint,
  regular int not null,
  regular_null int,
  flag boolean,
  real_num real not null,
  real_null real,
  dbl double precision not null,
  dbl_null double precision,
  amount numeric,
  created_at timestamptz not null,
  updated_at timestamptz,
  local_ts timestamp,
  birthday date,
  alarm time,
  alarm_tz timetz,
  duration interval,
  photo bytea,
  photos bytea[],
  doc json,
  docb jsonb not null,
  scores int[] not null,
  grid int[][],
  names text[],
  stamps timestamptz[],
  statuses shop.ticket_status[],
  status shop.ticket_status not null,
  status_null shop.ticket_status,
  qty shop.positive_int,
  mail shop.email,
  labels shop.tags,
  home shop.address,
  ip inet,
  span int4range,
  price money,
  "Ünïcödé" text
);

create table shop.order_items (id bigint primary key, contact_id uuid, note text);
create table shop.people (id int primary key, name text);
create table shop.categories (id int primary key);
create table shop.status (id int primary key);
create table shop.string (id int primary key, value text);
create table shop."class" (id int primary key);
create table shop."!!!" (id int primary key);
create table shop.contact (id int primary key);

create view shop.active_contacts as
  select id, first_name, status, created_at from shop.contacts where status <> 'done';

create table "Other Schema".contacts (id int primary key, "Weird Col" text);
