#!/usr/bin/env bash
# Walks the demo story through zsctl against a running reporting service:
# a 清水塘 drinking-water report from draft through return, resubmission and adoption to a
# leader's instruction for 区水利局 and 区生态环境分局.
set -euo pipefail
zsctl="${1:-build/tools/zsctl/zsctl}"
say() { printf '\n== %s\n' "$*"; }
id_of() { sed -n 's/^id: *//p' | head -1; }

say "王信息 (清水塘街道 clerk) writes a draft"
id=$("$zsctl" --as wang.xinxi report create \
  --title "清水塘片区居民反映饮用水有异味" \
  --body "近日清水塘街道多个小区居民反映自来水有异味，街道已安排人员走访。" \
  --kind problem --sensitivity internal --tag 饮用水 --tag 民生 | tee /dev/stderr | id_of)

say "... and submits it (报送)"
"$zsctl" --as wang.xinxi report submit "$id" | grep -E '^(id|state):'

say "李编辑 (信息科 editor) returns it: more detail needed (退回修改)"
"$zsctl" --as li.bianji report return "$id" --comment "请补充涉及户数和初步原因" | grep -E '^(state|return comment):'

say "王信息 updates and resubmits"
"$zsctl" --as wang.xinxi report update "$id" \
  --body "清水塘片区 3 个小区约 1200 户居民反映自来水有异味，初步判断为管网老化、二次供水水箱清洗不及时。" >/dev/null
"$zsctl" --as wang.xinxi report submit "$id" | grep -E '^(state|version):'

say "李编辑 adopts it at county level (采用)"
"$zsctl" --as li.bianji report adopt "$id" --level county | grep -E '^(state|adopted at level):'

say "张书记 instructs (批示): 水利局 leads, 生态环境分局 assists"
"$zsctl" --as zhang.shuji instruction issue --report "$id" \
  --text "请区水利局牵头、区生态环境分局配合，立即核查水质，一个月内报整改结果。" \
  --unit 430204/slj --unit 430204/sthj --due "$(date -d '+30 days' +%F)"

say "a second, negative report only editors and leaders see (负面信息)"
neg=$("$zsctl" --as wang.xinxi report create --title "某小区二次供水管理混乱引发居民不满" \
  --kind public-opinion --sensitivity negative | id_of)
"$zsctl" --as wang.xinxi report submit "$neg" | grep -E '^(id|state):'
