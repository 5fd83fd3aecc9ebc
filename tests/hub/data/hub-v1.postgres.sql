--
-- PostgreSQL database dump
--

\restrict sddN8G1elgkjcKScFz6P3pBhvkKTxISbmS3GqwCLltRXE4qQr5jXGdNTGrtmXpu

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: access_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.access_tokens (
    token_hash character varying(64) NOT NULL,
    family_id character varying(36) NOT NULL,
    device_id character varying(36) NOT NULL,
    expires_at double precision NOT NULL,
    issued_by character varying(64)
);


--
-- Name: attachment_chunks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.attachment_chunks (
    sha256 character varying(64) NOT NULL,
    idx integer NOT NULL,
    data bytea NOT NULL
);


--
-- Name: attachments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.attachments (
    sha256 character varying(64) NOT NULL,
    size bigint NOT NULL,
    case_id character varying(36),
    created_by character varying(36) NOT NULL,
    complete boolean NOT NULL,
    created_at double precision NOT NULL
);


--
-- Name: audit; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit (
    audit_id integer NOT NULL,
    at double precision NOT NULL,
    actor character varying(64) NOT NULL,
    device_id character varying(36),
    action character varying(40) NOT NULL,
    target character varying(200),
    outcome character varying(40) NOT NULL,
    detail text
);


--
-- Name: audit_audit_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_audit_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_audit_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_audit_id_seq OWNED BY public.audit.audit_id;


--
-- Name: case_access; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.case_access (
    case_id character varying(36) NOT NULL,
    user_id character varying(36) NOT NULL,
    reason character varying(20) NOT NULL,
    created_at double precision NOT NULL
);


--
-- Name: conflicts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.conflicts (
    conflict_id integer NOT NULL,
    record_id character varying(36) NOT NULL,
    mutation_id character varying(36) NOT NULL,
    user_id character varying(36) NOT NULL,
    base_version integer NOT NULL,
    hub_version integer NOT NULL,
    fields text NOT NULL,
    created_at double precision NOT NULL
);


--
-- Name: conflicts_conflict_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.conflicts_conflict_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: conflicts_conflict_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.conflicts_conflict_id_seq OWNED BY public.conflicts.conflict_id;


--
-- Name: counters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.counters (
    name character varying(20) NOT NULL,
    value bigint NOT NULL
);


--
-- Name: devices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.devices (
    device_id character varying(36) NOT NULL,
    user_id character varying(36) NOT NULL,
    name character varying(100) NOT NULL,
    revoked_at double precision,
    last_seen_at double precision,
    created_at double precision NOT NULL
);


--
-- Name: enrol_codes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.enrol_codes (
    code_hash character varying(64) NOT NULL,
    user_id character varying(36) NOT NULL,
    expires_at double precision NOT NULL,
    used_at double precision,
    created_at double precision NOT NULL
);


--
-- Name: hub_schema_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hub_schema_version (
    version integer NOT NULL,
    applied_at double precision NOT NULL
);


--
-- Name: hub_schema_version_version_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.hub_schema_version_version_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: hub_schema_version_version_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.hub_schema_version_version_seq OWNED BY public.hub_schema_version.version;


--
-- Name: mutations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.mutations (
    mutation_id character varying(36) NOT NULL,
    payload_hash character varying(64) NOT NULL,
    record_id character varying(36) NOT NULL,
    device_id character varying(36) NOT NULL,
    result text NOT NULL,
    created_at double precision NOT NULL
);


--
-- Name: record_versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.record_versions (
    record_id character varying(36) NOT NULL,
    version integer NOT NULL,
    fields text NOT NULL,
    mutation_id character varying(36),
    user_id character varying(36) NOT NULL,
    created_at double precision NOT NULL
);


--
-- Name: records; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.records (
    record_id character varying(36) NOT NULL,
    record_type character varying(20) NOT NULL,
    case_id character varying(36) NOT NULL,
    seq bigint NOT NULL,
    version integer NOT NULL,
    fields text NOT NULL,
    created_by character varying(36) NOT NULL,
    practice_ods character varying(6),
    request_id character varying(36),
    routed_to character varying(200),
    status character varying(40),
    flags text,
    receipt_ref character varying(40),
    receipt_at double precision,
    receipt_hash character varying(64),
    created_at double precision NOT NULL,
    updated_at double precision NOT NULL
);


--
-- Name: refresh_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.refresh_tokens (
    token_hash character varying(64) NOT NULL,
    family_id character varying(36) NOT NULL,
    device_id character varying(36) NOT NULL,
    expires_at double precision NOT NULL,
    rotated_at double precision,
    revoked_at double precision
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    user_id character varying(36) NOT NULL,
    username character varying(64) NOT NULL,
    display_name character varying(200) NOT NULL,
    role character varying(20) NOT NULL,
    organisation character varying(200) NOT NULL,
    ods_code character varying(6),
    disabled boolean NOT NULL,
    created_at double precision NOT NULL
);


--
-- Name: audit audit_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit ALTER COLUMN audit_id SET DEFAULT nextval('public.audit_audit_id_seq'::regclass);


--
-- Name: conflicts conflict_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conflicts ALTER COLUMN conflict_id SET DEFAULT nextval('public.conflicts_conflict_id_seq'::regclass);


--
-- Name: hub_schema_version version; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hub_schema_version ALTER COLUMN version SET DEFAULT nextval('public.hub_schema_version_version_seq'::regclass);


--
-- Data for Name: access_tokens; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.access_tokens (token_hash, family_id, device_id, expires_at, issued_by) FROM stdin;
ddc5d019dfe98c8a04b909924e3283f05bc7df9973da673f9b877ffd143ee82c	4ab5d0c9-0115-4305-9105-bc256e3ce019	3bf50d7d-97ea-4484-ae7a-24a0b256e1a2	1796155066.8512456	\N
c61c2b91993777d36d3a66feeac042d551e27aa39f033d4e2a429ed6c6ab6f1a	89c2c0ae-30f2-4d81-80d9-ed7a9558b2cb	6b80cfbf-ed30-4b77-81e2-01a2741148ce	1796155066.8960788	\N
\.


--
-- Data for Name: attachment_chunks; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.attachment_chunks (sha256, idx, data) FROM stdin;
\.


--
-- Data for Name: attachments; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.attachments (sha256, size, case_id, created_by, complete, created_at) FROM stdin;
\.


--
-- Data for Name: audit; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.audit (audit_id, at, actor, device_id, action, target, outcome, detail) FROM stdin;
1	1796154466.8033242	cli	\N	users.create	hv1	ok	{"ods": null, "organisation": "Devon MASH", "role": "health_visitor"}
2	1796154466.8180854	cli	\N	enrol_code.issue	hv1	ok	\N
3	1796154466.8341417	hv1	3bf50d7d-97ea-4484-ae7a-24a0b256e1a2	enrol	\N	ok	\N
4	1796154466.8629575	cli	\N	users.create	gp1	ok	{"ods": "A81001", "organisation": "Devon MASH", "role": "gp"}
5	1796154466.873294	cli	\N	enrol_code.issue	gp1	ok	\N
6	1796154466.886045	gp1	6b80cfbf-ed30-4b77-81e2-01a2741148ce	enrol	\N	ok	\N
7	1796154466.9213371	hv1	3bf50d7d-97ea-4484-ae7a-24a0b256e1a2	push	1 mutations	ok	[["fdb5e125-a43b-4628-a26a-4f3b173738c0", "applied", 1]]
8	1796154467.009997	hv1	3bf50d7d-97ea-4484-ae7a-24a0b256e1a2	push	1 mutations	ok	[["e8e50b2e-7b38-4418-acfd-c5acbb706824", "applied", 1]]
9	1796154467.033658	hv1	3bf50d7d-97ea-4484-ae7a-24a0b256e1a2	push	1 mutations	ok	[["313554b8-eee6-4124-a04e-db35617713ea", "applied", 1]]
10	1796154467.0645747	hv1	3bf50d7d-97ea-4484-ae7a-24a0b256e1a2	pull	seq 0..3	ok	{"records": ["fdb5e125-a43b-4628-a26a-4f3b173738c0", "e8e50b2e-7b38-4418-acfd-c5acbb706824", "313554b8-eee6-4124-a04e-db35617713ea"]}
\.


--
-- Data for Name: case_access; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.case_access (case_id, user_id, reason, created_at) FROM stdin;
fdb5e125-a43b-4628-a26a-4f3b173738c0	8598334d-5b75-4cc6-ba0b-2337e10c0a82	created	1796154466.9213371
\.


--
-- Data for Name: conflicts; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.conflicts (conflict_id, record_id, mutation_id, user_id, base_version, hub_version, fields, created_at) FROM stdin;
\.


--
-- Data for Name: counters; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.counters (name, value) FROM stdin;
ref	1
seq	3
\.


--
-- Data for Name: devices; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.devices (device_id, user_id, name, revoked_at, last_seen_at, created_at) FROM stdin;
3bf50d7d-97ea-4484-ae7a-24a0b256e1a2	8598334d-5b75-4cc6-ba0b-2337e10c0a82	hv1-tablet	\N	1796154466.8341417	1796154466.8341417
6b80cfbf-ed30-4b77-81e2-01a2741148ce	ea4d1cf6-8feb-4a37-9edf-5d82dc2ea8de	gp1-tablet	\N	1796154466.886045	1796154466.886045
\.


--
-- Data for Name: enrol_codes; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.enrol_codes (code_hash, user_id, expires_at, used_at, created_at) FROM stdin;
67648f45d63b6e9ef2c6154defed74fd724344104906e81ad11e22c9eca0a353	8598334d-5b75-4cc6-ba0b-2337e10c0a82	1796413666.8180854	1796154466.8341417	1796154466.8180854
75eae79b161c05762aa7566ede70dc6309094ea49aaf5ee3703812d7750923a4	ea4d1cf6-8feb-4a37-9edf-5d82dc2ea8de	1796413666.873294	1796154466.886045	1796154466.873294
\.


--
-- Data for Name: hub_schema_version; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.hub_schema_version (version, applied_at) FROM stdin;
1	1796154466.7223158
\.


--
-- Data for Name: mutations; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.mutations (mutation_id, payload_hash, record_id, device_id, result, created_at) FROM stdin;
09f9cec7-b919-4bd6-9bb4-ad274d02247e	f61da1c2c608d4bcf30ddb59c42c07312abc66c6d75ec32f7c47075bcbfcc0e3	fdb5e125-a43b-4628-a26a-4f3b173738c0	3bf50d7d-97ea-4484-ae7a-24a0b256e1a2	{"mutation_id":"09f9cec7-b919-4bd6-9bb4-ad274d02247e","record_id":"fdb5e125-a43b-4628-a26a-4f3b173738c0","outcome":"applied","version":1,"fields":null,"conflicts":[],"issues":[],"receipt":null}	1796154466.9213371
477c68ac-8b75-4a3c-ad5b-fd3500e0b5bd	1f89f1d4d9c0428d305a3c9869e2964fadffd4a9502bb754604baa3190ee3126	e8e50b2e-7b38-4418-acfd-c5acbb706824	3bf50d7d-97ea-4484-ae7a-24a0b256e1a2	{"mutation_id":"477c68ac-8b75-4a3c-ad5b-fd3500e0b5bd","record_id":"e8e50b2e-7b38-4418-acfd-c5acbb706824","outcome":"applied","version":1,"fields":null,"conflicts":[],"issues":[],"receipt":{"hub_reference":"MASH-2026-000001","received_at":"2026-12-01T19:47:47.009997Z","content_hash":"3f0171a19d87250e9621e2542c23577118d3eb006619ae01e0eb17ea77cc0af4"}}	1796154467.009997
64c8e772-555e-4e67-9f26-02cc8b2185a7	6a7eb3bc8077f434318f27e006a3797b5176ce57d69b6a74f1d9637d54f26847	313554b8-eee6-4124-a04e-db35617713ea	3bf50d7d-97ea-4484-ae7a-24a0b256e1a2	{"mutation_id":"64c8e772-555e-4e67-9f26-02cc8b2185a7","record_id":"313554b8-eee6-4124-a04e-db35617713ea","outcome":"applied","version":1,"fields":null,"conflicts":[],"issues":[],"receipt":null}	1796154467.033658
\.


--
-- Data for Name: record_versions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.record_versions (record_id, version, fields, mutation_id, user_id, created_at) FROM stdin;
fdb5e125-a43b-4628-a26a-4f3b173738c0	1	{"child_name":"Upgrade Canary","nhs_number_not_known":true}	09f9cec7-b919-4bd6-9bb4-ad274d02247e	8598334d-5b75-4cc6-ba0b-2337e10c0a82	1796154466.9213371
\.


--
-- Data for Name: records; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.records (record_id, record_type, case_id, seq, version, fields, created_by, practice_ods, request_id, routed_to, status, flags, receipt_ref, receipt_at, receipt_hash, created_at, updated_at) FROM stdin;
fdb5e125-a43b-4628-a26a-4f3b173738c0	case	fdb5e125-a43b-4628-a26a-4f3b173738c0	1	1	{"child_name":"Upgrade Canary","nhs_number_not_known":true}	8598334d-5b75-4cc6-ba0b-2337e10c0a82	\N	\N	\N	\N	\N	\N	\N	\N	1796154466.9213371	1796154466.9213371
e8e50b2e-7b38-4418-acfd-c5acbb706824	referral	fdb5e125-a43b-4628-a26a-4f3b173738c0	2	1	{"case_id":"fdb5e125-a43b-4628-a26a-4f3b173738c0","consent":{"approving_manager":null,"consent":"not_sought","covers":null,"given_by":null,"not_informed_reason":null,"parent_informed":true,"reason_if_not_given":"Level 4: sharing without consent to protect the children."},"content_hash":"3c13d28e7ed34644a513a1c67182621429dfaa4d6a75852b53ce8f8fac9cc305","created_at":"2026-11-30T10:00:00+00:00","created_by":"Sam Carter","document":{"case_id":"fdb5e125-a43b-4628-a26a-4f3b173738c0","child":{"child_name":"Alex Example","date_of_birth":"2012-03-14","nhs_number_not_known":true,"postcode":"TQ1 2AB"},"consent":{"approving_manager":null,"consent":"not_sought","covers":null,"given_by":null,"not_informed_reason":null,"parent_informed":true,"reason_if_not_given":"Level 4: sharing without consent to protect the children."},"created_at":"2026-11-30T10:00:00+00:00","created_by":"Sam Carter","forms":[{"answers":{"adults":[{"date_of_birth":"1994-05-02","lives_with_child":true,"name":"Gail Example","parental_responsibility":true,"relationship":"Mother","risk_factors":["mental_health"],"role":"parent"}],"attendance_percent":91.5,"attestation":{"attested":true,"signed_at":"2026-11-30T10:15:00+00:00","signed_by":"Sam Carter"},"categories":["physical"],"child_views":"The eldest says she likes school.","children":[{"address":"12 Sea View Road, Torquay","child_name":"Fay Example","date_of_birth":"2013-02-11","disability_sen":"None known","ehcp":false,"ethnicity":"white","gender":"female","gp_practice_name":"Harbour Surgery","gp_practice_ods":"L83001","injury_seen":false,"interpreter_needed":false,"language":"English","nhs_number":"9990000042","postcode":"TQ1 2AB","school":"Harbour Academy","sexual_activity":false,"upn":"A12345678901B","year_group":"year_8"}],"consent":"not_sought","consent_not_given_reason":"Level 4: sharing without consent to protect the children.","disclosure_made":true,"disclosure_present":"School nurse only.","disclosure_time":"2026-11-30T11:00:00+00:00","disclosures":[{"said_to":"Sam Carter","when":"2026-11-30T09:45:00+00:00","who":"children[0]","words":"Mummy's friend shouts."}],"dsl_informed":true,"dsl_name":"Mr Lee","facts":"I saw grazes on both arms of each child. The fridge was empty.","gillick":"not_applicable","gillick_fraser":"Understands and agrees to the referral.","going_well":"The mother engages with the health visiting service.","history":"Two previous concerns about home conditions in 2025.","immediate_danger":false,"lawful_basis_art6":"art6_1_e","lawful_basis_art9":"art9_2_g_dpa_s1_p18","level_of_need":"4","opinion":"The explanations given are plausible but the pattern is worrying.","parent_informed":true,"parents_views":"The mother says money is tight since her partner moved in.","professionals":[{"agency":"Harbour Surgery","name":"Dr Priya Shah","phone":"01803654321","role":"GP"}],"pupil_wishes":"To stay with her aunt.","pupil_words":"I don't want to go home because he hits me.","referral_decision":"refer_to_mash","referred_at":"2026-11-30T10:15:00+00:00","referrer_agency":"School nursing","referrer_email":"sam.carter@nhs.net","referrer_name":"Sam Carter","referrer_phone":"01803123456","referrer_role":"School nurse","registration":"12A3456E","safeguarding_lead_consulted":true,"safeguarding_lead_name":"Jo Hughes","school_name":"Harbour Academy","screen_exploitation":"no_concern","screen_missing":"no_concern","screen_online":"no_concern","screen_peer":"no_concern","screen_self_harm":"no_concern","support_offered":"Food bank voucher; referral to the family hub.","threshold_rationale":"Injuries with a worrying pattern and neglect of basic needs.","worry":"Bruising and scratches on the children's arms; the home was cold and there was little food."},"form_id":"sn_referral","form_version":1,"overrides":{},"record_id":"98fa130c-d4e2-4ab0-a5d6-549eb7ebbe8c","spec_hash":"a85f8735c173159295403dbcee317b54c68b8c4e2e76255b81594b09b2855128","title":"School nurse referral"}],"lawful_basis":{"article6":"6(1)(e)","article9":"9(2)(g)","dpa_2018":"Sch 1 para 18"},"level_of_need":4,"local_authority":{"code":"E06000027","key":"torbay","name":"Torbay Council"},"schema":"mash-referral/1","summary":"Referral to Torbay Council: level 4 (child protection).\\nChild: Alex Example, born 14 March 2012 (14 years), NHS number not known, TQ1 2AB.\\nThe parents or carers have been told about this referral.\\nConsent to share: not sought (Level 4: sharing without consent to protect the children.). Lawful basis: UK GDPR Art 6(1)(e) (public task); Art 9(2)(g) with DPA 2018 Sch 1 para 18.\\nFrom the school nurse referral:\\n  Is a child in immediate danger?: No\\n  The pupil's exact words: I don't want to go home because he hits me.\\n  What kind of concern (tick all that apply): Physical abuse\\n  What are you worried about, and what is the impact on the child?: Bruising and scratches on the children's arms; the home was cold and there was little food.\\n  Level of need (against the local threshold document): Level 4: child protection (significant harm or the risk of it)\\n  What happens next: Refer to the MASH (children's social care)\\n  Child 1 - Child's full name: Fay Example; Date of birth: 11 February 2013; NHS number: 999 000 0042; Postcode: TQ1 2AB\\n  Adult 1 - Known risk factors: Mental health\\nBuilt by Sam Carter at 10:00 on 30 November 2026."},"form_record_ids":["98fa130c-d4e2-4ab0-a5d6-549eb7ebbe8c"],"lawful_basis":{"article6":"6(1)(e)","article9":"9(2)(g)","dpa_2018":"Sch 1 para 18"},"level_of_need":4,"local_authority":{"code":"E06000027","key":"torbay","name":"Torbay Council"},"summary":"Referral to Torbay Council: level 4 (child protection).\\nChild: Alex Example, born 14 March 2012 (14 years), NHS number not known, TQ1 2AB.\\nThe parents or carers have been told about this referral.\\nConsent to share: not sought (Level 4: sharing without consent to protect the children.). Lawful basis: UK GDPR Art 6(1)(e) (public task); Art 9(2)(g) with DPA 2018 Sch 1 para 18.\\nFrom the school nurse referral:\\n  Is a child in immediate danger?: No\\n  The pupil's exact words: I don't want to go home because he hits me.\\n  What kind of concern (tick all that apply): Physical abuse\\n  What are you worried about, and what is the impact on the child?: Bruising and scratches on the children's arms; the home was cold and there was little food.\\n  Level of need (against the local threshold document): Level 4: child protection (significant harm or the risk of it)\\n  What happens next: Refer to the MASH (children's social care)\\n  Child 1 - Child's full name: Fay Example; Date of birth: 11 February 2013; NHS number: 999 000 0042; Postcode: TQ1 2AB\\n  Adult 1 - Known risk factors: Mental health\\nBuilt by Sam Carter at 10:00 on 30 November 2026."}	8598334d-5b75-4cc6-ba0b-2337e10c0a82	\N	\N	Torbay Council (E06000027)	received	\N	MASH-2026-000001	1796154467.009997	3f0171a19d87250e9621e2542c23577118d3eb006619ae01e0eb17ea77cc0af4	1796154467.009997	1796154467.009997
313554b8-eee6-4124-a04e-db35617713ea	note	fdb5e125-a43b-4628-a26a-4f3b173738c0	3	1	{"text":"seen at home"}	8598334d-5b75-4cc6-ba0b-2337e10c0a82	\N	\N	\N	\N	\N	\N	\N	\N	1796154467.033658	1796154467.033658
\.


--
-- Data for Name: refresh_tokens; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.refresh_tokens (token_hash, family_id, device_id, expires_at, rotated_at, revoked_at) FROM stdin;
29040f0e2b30d86f4c1b36b7b1d2a6681a996e25dd5cf57b81f0aecce5270594	4ab5d0c9-0115-4305-9105-bc256e3ce019	3bf50d7d-97ea-4484-ae7a-24a0b256e1a2	1798746466.8512456	\N	\N
d2193fd74f286ca91e5a66d4c8faeb254876b8e6471163172a579b861cd49f0b	89c2c0ae-30f2-4d81-80d9-ed7a9558b2cb	6b80cfbf-ed30-4b77-81e2-01a2741148ce	1798746466.8960788	\N	\N
\.


--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.users (user_id, username, display_name, role, organisation, ods_code, disabled, created_at) FROM stdin;
8598334d-5b75-4cc6-ba0b-2337e10c0a82	hv1	HV1	health_visitor	Devon MASH	\N	f	1796154466.8033242
ea4d1cf6-8feb-4a37-9edf-5d82dc2ea8de	gp1	GP1	gp	Devon MASH	A81001	f	1796154466.8629575
\.


--
-- Name: audit_audit_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_audit_id_seq', 10, true);


--
-- Name: conflicts_conflict_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.conflicts_conflict_id_seq', 1, false);


--
-- Name: hub_schema_version_version_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.hub_schema_version_version_seq', 1, false);


--
-- Name: access_tokens access_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.access_tokens
    ADD CONSTRAINT access_tokens_pkey PRIMARY KEY (token_hash);


--
-- Name: attachment_chunks attachment_chunks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attachment_chunks
    ADD CONSTRAINT attachment_chunks_pkey PRIMARY KEY (sha256, idx);


--
-- Name: attachments attachments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attachments
    ADD CONSTRAINT attachments_pkey PRIMARY KEY (sha256);


--
-- Name: audit audit_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit
    ADD CONSTRAINT audit_pkey PRIMARY KEY (audit_id);


--
-- Name: case_access case_access_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.case_access
    ADD CONSTRAINT case_access_pkey PRIMARY KEY (case_id, user_id);


--
-- Name: conflicts conflicts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conflicts
    ADD CONSTRAINT conflicts_pkey PRIMARY KEY (conflict_id);


--
-- Name: counters counters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.counters
    ADD CONSTRAINT counters_pkey PRIMARY KEY (name);


--
-- Name: devices devices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.devices
    ADD CONSTRAINT devices_pkey PRIMARY KEY (device_id);


--
-- Name: enrol_codes enrol_codes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.enrol_codes
    ADD CONSTRAINT enrol_codes_pkey PRIMARY KEY (code_hash);


--
-- Name: hub_schema_version hub_schema_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hub_schema_version
    ADD CONSTRAINT hub_schema_version_pkey PRIMARY KEY (version);


--
-- Name: mutations mutations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mutations
    ADD CONSTRAINT mutations_pkey PRIMARY KEY (mutation_id);


--
-- Name: record_versions record_versions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.record_versions
    ADD CONSTRAINT record_versions_pkey PRIMARY KEY (record_id, version);


--
-- Name: records records_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.records
    ADD CONSTRAINT records_pkey PRIMARY KEY (record_id);


--
-- Name: records records_receipt_ref_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.records
    ADD CONSTRAINT records_receipt_ref_key UNIQUE (receipt_ref);


--
-- Name: records records_seq_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.records
    ADD CONSTRAINT records_seq_key UNIQUE (seq);


--
-- Name: refresh_tokens refresh_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refresh_tokens
    ADD CONSTRAINT refresh_tokens_pkey PRIMARY KEY (token_hash);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (user_id);


--
-- Name: users users_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_username_key UNIQUE (username);


--
-- Name: audit_by_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_by_at ON public.audit USING btree (at);


--
-- Name: case_access_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX case_access_by_user ON public.case_access USING btree (user_id, case_id);


--
-- Name: ix_access_tokens_family_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_access_tokens_family_id ON public.access_tokens USING btree (family_id);


--
-- Name: ix_conflicts_record_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_conflicts_record_id ON public.conflicts USING btree (record_id);


--
-- Name: ix_devices_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_devices_user_id ON public.devices USING btree (user_id);


--
-- Name: ix_refresh_tokens_family_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_refresh_tokens_family_id ON public.refresh_tokens USING btree (family_id);


--
-- Name: records_by_case_seq; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX records_by_case_seq ON public.records USING btree (case_id, seq);


--
-- Name: records_by_practice_seq; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX records_by_practice_seq ON public.records USING btree (practice_ods, seq);


--
-- Name: access_tokens access_tokens_device_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.access_tokens
    ADD CONSTRAINT access_tokens_device_id_fkey FOREIGN KEY (device_id) REFERENCES public.devices(device_id);


--
-- Name: devices devices_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.devices
    ADD CONSTRAINT devices_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id);


--
-- Name: enrol_codes enrol_codes_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.enrol_codes
    ADD CONSTRAINT enrol_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id);


--
-- Name: refresh_tokens refresh_tokens_device_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refresh_tokens
    ADD CONSTRAINT refresh_tokens_device_id_fkey FOREIGN KEY (device_id) REFERENCES public.devices(device_id);


--
-- PostgreSQL database dump complete
--

\unrestrict sddN8G1elgkjcKScFz6P3pBhvkKTxISbmS3GqwCLltRXE4qQr5jXGdNTGrtmXpu

