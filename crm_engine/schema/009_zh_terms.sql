-- Chinese dictionary names in line with the glossary (issue 24): full-width brackets, and the
-- opportunity stage 商务谈判 (the glossary's term, was 谈判审核). Landed migrations are never
-- edited, so the names are corrected here; a name an administrator has already changed stays.
UPDATE dictionary SET name_zh = '微型（10人以下）' WHERE kind = 'company_size' AND code = 'micro' AND name_zh = '微型(10人以下)';
UPDATE dictionary SET name_zh = '小型（10–99人）' WHERE kind = 'company_size' AND code = 'small' AND name_zh = '小型(10–99人)';
UPDATE dictionary SET name_zh = '中型（100–999人）' WHERE kind = 'company_size' AND code = 'medium' AND name_zh = '中型(100–999人)';
UPDATE dictionary SET name_zh = '大型（1000人以上）' WHERE kind = 'company_size' AND code = 'large' AND name_zh = '大型(1000人以上)';
UPDATE dictionary SET name_zh = '商务谈判' WHERE kind = 'opportunity_stage' AND code = 'negotiation' AND name_zh = '谈判审核';
