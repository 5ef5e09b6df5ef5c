-- How many SMS segments each message costs, and in which encoding (evo's segmenter).
alter table messages add column segments integer not null default 1;
alter table messages add column encoding text not null default 'GSM-7';
