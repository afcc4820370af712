#!/usr/bin/env bash
# The demo story of the seeds, through zsctl against running services:
# information report -> leader instruction -> supervision item with tasks for two units ->
# progress -> one task overdue and warned -> completion, verification, closure -> a notice ->
# the instruction shows as answered in reporting; then the day's duty and an emergency chain from
# initial to final, which opens one incident with its plan's checklist;
# a CPPCC proposal on the same water: co-signed, registered, assigned to a lead and a
# co-handling unit, replied, rated 不满意 by one co-signer, handled again, rated 满意 and closed;
# last coordination: the emergency's incident alert escalates unacknowledged, a 联席会议 decision
# opens a supervision item, its task is contested, a matter decides who leads, and it is closed.
#   demo.sh ZSCTL [CLOCK_FILE]   (the services read "now" from CLOCK_FILE while it exists)
set -euo pipefail
zsctl="${1:-build/tools/zsctl/zsctl}"
clock="${2:-}"
say() { printf '\n== %s\n' "$*"; }
id_of() { sed -n 's/^id: *//p' | head -1; }
# In --json output: the "id" of the object whose field $1 is $2 (ids come before other fields).
json_id_where() {
  awk -v k="\"$1\": \"$2\"" '/"id": "/ { id = $2 } index($0, k) { gsub(/[",]/, "", id); print id; exit }'
}
# Sets the demo clock N minutes from now.
clock_in_minutes() { [ -n "$clock" ] && echo $(( ($(date +%s) + $1 * 60) * 1000 )) > "$clock"; }
z() { "$zsctl" "$@"; }
now_ms() { echo $(( $(date +%s) * 1000 )); }
# Moves the demo clock to the given date at 10:00 China time.
set_clock() { [ -n "$clock" ] && echo $(( $(date -d "$1 02:00 UTC" +%s) * 1000 )) > "$clock"; }
[ -n "$clock" ] && now_ms > "$clock"
today=$(date +%F)
# A date about N days ahead, moved off the weekend.
working_day_in() {
  local d
  d=$(date -d "$today +$1 days" +%F)
  while [ "$(date -d "$d" +%u)" -gt 5 ]; do d=$(date -d "$d +1 day" +%F); done
  echo "$d"
}

say "王信息 (清水塘街道 clerk) writes a draft and submits it (报送)"
id=$(z --as wang.xinxi report create \
  --title "清水塘片区居民反映饮用水有异味" \
  --body "近日清水塘街道多个小区居民反映自来水有异味，街道已安排人员走访。" \
  --kind problem --sensitivity internal --tag 饮用水 --tag 民生 | id_of)
z --as wang.xinxi report submit "$id" | grep -E '^(id|title|state):'

say "李编辑 (信息科) returns it: more detail needed (退回修改); 王信息 updates and resubmits"
z --as li.bianji report return "$id" --comment "请补充涉及户数和初步原因" | grep -E '^(state|return comment):'
z --as wang.xinxi report update "$id" \
  --body "清水塘片区 3 个小区约 1200 户居民反映自来水有异味，初步判断为管网老化、二次供水水箱清洗不及时。" >/dev/null
z --as wang.xinxi report submit "$id" | grep -E '^(state|version):'

say "李编辑 adopts it at county level (采用)"
z --as li.bianji report adopt "$id" --level county | grep -E '^(state|adopted at level):'

say "张书记 instructs (批示): 水利局 leads, 生态环境分局 assists"
due=$(date -d "$today +30 days" +%F)
inst=$(z --as zhang.shuji instruction issue --report "$id" \
  --text "请区水利局牵头、区生态环境分局配合，立即核查水质，一个月内报整改结果。" \
  --unit 430204/slj --unit 430204/sthj --due "$due" | tee /dev/stderr | id_of)

say "督查室 sees the item supervision opened from the instruction (批则必查)"
item=""
for _ in $(seq 50); do
  item=$(z --as zhao.ducha --json item list | sed -n 's/.*"id": "\(430204-s-[0-9a-f]*\)".*/\1/p' | head -1)
  [ -n "$item" ] && break
  sleep 0.2
done
[ -n "$item" ] || { echo "the item did not appear; see data/supervision/supervision.log" >&2; exit 1; }
z --as zhao.ducha item show "$item"
task1=$(z --as zhao.ducha --json task list --item "$item" | sed -n 's/.*"id": "\(430204-t-[0-9a-f]*\)".*/\1/p' | head -1)

say "赵督查 adds a second task: 生态环境分局 leads the check of nearby industrial discharge (分解交办)"
task2=$(z --as zhao.ducha task assign --item "$item" --lead 430204/sthj --co 430204/qtt \
  --deliverable "排查周边工业企业排污，形成排查报告" --due "$(working_day_in 7)" | id_of)
echo "task $task2 due $(working_day_in 7)"

say "Both units sign for their tasks (签收) and report progress"
z --as chen.shuili task accept "$task1" >/dev/null
z --as chen.shuili task progress "$task1" --percent 60 \
  --narrative "已完成管网冲洗和二次供水水箱清洗" --problems "部分老旧管网需改造" | grep -E '^(state|progress):'
z --as zhou.huanbao task accept "$task2" >/dev/null
z --as zhou.huanbao task progress "$task2" --percent 30 --narrative "已排查 5 家企业" | grep -E '^(state|progress):'

if [ -n "$clock" ]; then
  say "Time passes (the demo clock moves 3 weeks): 生态环境分局's task is overdue and warned (亮牌)"
  set_clock "$(date -d "$today +21 days" +%F)"
  for _ in $(seq 50); do
    z --as zhou.huanbao task show "$task2" | grep -q "warning red" && break
    sleep 0.2
  done
  z --as zhou.huanbao task show "$task2" | grep -E '^(id|state|due)|warning'
fi

say "Completion reports (办结), verification (核查销号) and closure with feedback (反馈)"
z --as chen.shuili task complete "$task1" --summary "管网冲洗完成，水质检测全部达标" \
  --evidence "水质检测报告.pdf" >/dev/null
z --as zhou.huanbao task complete "$task2" --summary "排查 12 家企业，未发现违法排污" >/dev/null
z --as zhao.ducha task verify "$task1" --approve | grep -E '^(id|state):'
z --as zhao.ducha task verify "$task2" --approve --comment "逾期办结，已亮红牌" | grep -E '^(id|state):'
z --as zhao.ducha item close "$item" \
  --feedback "经核查，清水塘片区水质已达标，管网冲洗完成，周边企业无违法排污。" | grep -E '^(id|state|tasks|feedback):'

say "督查室 publishes this month's notice so far (阶段性通报): per-unit rates, overdue tasks and cards"
z --as zhao.ducha notice publish --provisional --period "$(date -d "$today +21 days" +%Y-%m)"

say "张书记 sees the instruction answered in reporting (件件有回音)"
for _ in $(seq 50); do
  z --as zhang.shuji instruction show "$inst" | grep -q ANSWERED && break
  sleep 0.2
done
z --as zhang.shuji instruction show "$inst"

say "A second, negative report only editors and leaders see (负面信息)"
neg=$(z --as wang.xinxi report create --title "某小区二次供水管理混乱引发居民不满" \
  --kind public-opinion --sensitivity negative | id_of)
z --as wang.xinxi report submit "$neg" | grep -E '^(id|state):'

[ -n "$clock" ] && rm -f "$clock"

say "李编辑 compiles today's 每日要情 from the adopted report, with an edited title, and publishes it"
b=$(z --as li.bianji bulletin create --kind daily | id_of)
z --as li.bianji bulletin add "$b" --report "$id" --title "清水塘片区饮用水异味问题已查明并整改" >/dev/null
z --as li.bianji bulletin publish "$b"

say "This year's points and rankings (信息工作考核)"
z --as li.bianji ranking list --period "$(date +%Y)" | head -5
z --as li.bianji ranking entries --unit 430204/qtt --period "$(date +%Y)"

say "孙综合 (综合科) sets today's duty (值班表): 谢副书记 leads (带班), 何值班 is the officer on duty"
z --as sun.zonghe duty set "$today" --leader xie.fushuji --officer he.zhiban

say "An emergency (突发事件): initial report (初报), a follow-up (续报) and the final report (终报)"
occurred=$(date -u -d '-50 min' +%Y-%m-%dT%H:%M:%SZ)
learned=$(date -u -d '-20 min' +%Y-%m-%dT%H:%M:%SZ)
e1=$(z --as wang.xinxi report create --kind emergency --grade IV --title "霞湾路一化工企业管道泄漏" \
  --occurred "$occurred" --learned "$learned" --place "清水塘街道霞湾路" --injured 2 --tag 危化品 \
  --body "企业已关闭阀门，周边群众已疏散。" | id_of)
z --as wang.xinxi report submit "$e1" | grep -E '^(id|grade|phase|chain|late)'
e2=$(z --as wang.xinxi report create --kind emergency --grade IV --title "霞湾路泄漏续报：泄漏已控制" \
  --occurred "$occurred" --learned "$learned" --place "清水塘街道霞湾路" --injured 2 --follows "$e1" | id_of)
z --as wang.xinxi report submit "$e2" >/dev/null
e3=$(z --as wang.xinxi report create --kind emergency --grade IV --title "霞湾路泄漏终报：处置完毕" \
  --occurred "$occurred" --learned "$learned" --place "清水塘街道霞湾路" --injured 2 --follows "$e2" \
  --final | id_of)
z --as wang.xinxi report submit "$e3" >/dev/null
z --as li.bianji emergency chain "$e1"

say "Coordination opened one incident for the chain (值班/应急): the 危化品 plan's checklist, 谢副书记 alerted"
incident=""
for _ in $(seq 50); do
  incident=$(z --as sun.zonghe --json incident list | json_id_where chain_id "$e1")
  [ -n "$incident" ] && z --as sun.zonghe incident get "$incident" | grep -q "reports.*$e3" && break
  sleep 0.2
done
[ -n "$incident" ] || { echo "no incident; see data/coordination/coordination.log" >&2; exit 1; }
z --as sun.zonghe incident get "$incident"

say "郑委员 (政协委员) submits a proposal on the same water; 冯委员 and 林委员 co-sign it (联名)"
session="十届三次"
prop=$(z --as zheng.weiyuan proposal create --kind 提案 --session "$session" --category 生态环境 \
  --title "关于彻底解决清水塘片区饮用水异味问题的提案" \
  --content "清水塘片区多个小区居民反映自来水有异味。建议：一、加快老旧供水管网改造；二、建立二次供水水箱定期清洗和水质公示制度；三、排查周边工业企业排污。" \
  --co-signer feng.weiyuan --co-signer lin.weiyuan | id_of)
z --as feng.weiyuan proposal cosign "$prop" --confirm >/dev/null
z --as lin.weiyuan proposal cosign "$prop" --confirm | grep -E '^(id|title|state|proposer|co-signers):'

say "吴提案 (提案委员会) looks for similar proposals (并案, 年年提) and registers it (立案)"
z --as wu.tian proposal similar "$prop"
z --as wu.tian proposal review "$prop" --register | grep -E '^(state|session|number):'

say "吴提案 assigns it (交办): 区水利局 leads (主办), 区生态环境分局 co-handles (会办)"
z --as wu.tian proposal assign "$prop" --mode lead --lead 430204/slj --co 430204/sthj |
  sed -n '/^handlings:/,/^$/p'

say "Both units sign for it (签收); 生态环境分局 sends its opinion to 水利局 (会办意见)"
z --as chen.shuili proposal sign "$prop" --unit 430204/slj >/dev/null
z --as zhou.huanbao proposal sign "$prop" --unit 430204/sthj >/dev/null
z --as zhou.huanbao proposal opinion "$prop" --unit 430204/sthj \
  --text "经排查，周边 12 家企业未发现违法排污；建议水利局将水箱清洗纳入常态化监管。" |
  sed -n '/^handlings:/,/^$/p'

say "陈水利 visits 郑委员 (走访) and replies: class B (正在解决或列入计划)"
z --as chen.shuili proposal contact "$prop" --unit 430204/slj --method 走访 --date "$today" \
  --summary "走访郑委员，通报管网冲洗和水箱清洗情况，听取对管网改造的意见" >/dev/null
z --as chen.shuili proposal reply "$prop" --unit 430204/slj --class B \
  --text "已完成片区管网冲洗和二次供水水箱清洗，水质检测达标；老旧管网改造已列入明年计划。" |
  grep -E '^(state|replied):'

say "The proposer and co-signers rate the reply (评价): 林委员 is not satisfied, so it is handled again (重新办理)"
z --as zheng.weiyuan proposal rate "$prop" --satisfaction 满意 >/dev/null
z --as feng.weiyuan proposal rate "$prop" --satisfaction 满意 >/dev/null
z --as lin.weiyuan proposal rate "$prop" --satisfaction 不满意 \
  --comment "管网改造没有明确的时间表，水箱清洗也没有公示" | grep -E '^(state|round):'

say "陈水利 meets the three members on site (实地调研) and replies again: class A (已解决或采纳)"
z --as chen.shuili proposal contact "$prop" --unit 430204/slj --method 实地调研 --date "$today" \
  --summary "陪同三位委员实地查看管网改造工地和水箱清洗公示" >/dev/null
z --as chen.shuili proposal reply "$prop" --unit 430204/slj --class A \
  --text "老旧管网改造已开工，年底前完工；水箱每季度清洗一次，水质检测结果在小区公示栏公示。" |
  grep -E '^(state|round|replied):'

say "All three are satisfied (满意): the proposal is closed (办结)"
for member in zheng.weiyuan feng.weiyuan lin.weiyuan; do
  z --as "$member" proposal rate "$prop" --satisfaction 满意 >/dev/null
done
z --as wu.tian proposal get "$prop"

if [ -n "$clock" ]; then
  say "Nobody acknowledges the alert for 16 minutes (the demo clock moves): it escalates to 刘区长 (升级)"
  clock_in_minutes 16
  for _ in $(seq 100); do
    z --as sun.zonghe incident get "$incident" | grep -q "(liu.quzhang) level" && break
    sleep 0.2
  done
  z --as sun.zonghe incident get "$incident" | grep -E "^  alert"
  rm -f "$clock"
  z --as liu.quzhang incident ack "$incident" >/dev/null
  z --as he.zhiban incident step "$incident" s1 --note "泄漏物质为稀盐酸，范围约 200 平方米" >/dev/null
  z --as sun.zonghe incident get "$incident" | sed -n '/^  alert/p;/^  \[/p'
fi

if [ -n "$clock" ]; then
  say "A 联席会议 on secondary water supply: requested by 孙综合, approved by 黄主任 (会议申报审批)"
  start="$(date -d '+1 hour' '+%Y-%m-%d %H:00')"
  end="$(date -d '+2 hour' '+%Y-%m-%d %H:00')"
  meet=$(z --as sun.zonghe meeting request --kind 联席会议 --title "二次供水管理职责联席会议" \
    --start "$start" --end "$end" --venue 第一会议室 --presiding zhang.shuji --leader liu.quzhang \
    --unit 430204/slj --unit 430204/zjj --agenda "明确二次供水设施监管职责" | id_of)
  z --as huang.zhuren meeting approve "$meet" | grep -E '^(id|state|venue|start)'

  say "The meeting is held (the demo clock moves to it): minutes and a decision (议定事项)"
  echo $(( ($(date -d "$start" +%s) + 1800) * 1000 )) > "$clock"
  z --as sun.zonghe meeting minutes "$meet" \
    --text "会议听取了水利局、住建局情况汇报，研究了二次供水设施监管分工。" >/dev/null
  z --as sun.zonghe meeting decide "$meet" --text "区水利局牵头制定二次供水设施监管办法" \
    --lead 430204/slj --co 430204/zjj --due "$(working_day_in 20)" | sed -n '/^decisions/,$p'
  rm -f "$clock"

  say "The decision opened a supervision item (常委议定事项); 水利局 contests its task (推诿扯皮)"
  mitem=""
  for _ in $(seq 50); do
    mitem=$(z --as zhao.ducha --json item list | json_id_where title "二次供水管理职责联席会议 议定事项")
    [ -n "$mitem" ] && break
    sleep 0.2
  done
  [ -n "$mitem" ] || { echo "no item for the decision; see data/supervision/supervision.log" >&2; exit 1; }
  z --as zhao.ducha item show "$mitem" | grep -E '^(id|title|source|state|deadline)'
  mtask=$(z --as zhao.ducha --json task list --item "$mitem" | sed -n 's/.*"id": "\(430204-t-[0-9a-f]*\)".*/\1/p' | head -1)
  z --as chen.shuili task contest "$mtask" --reason "二次供水设施由住建部门监管，不属于水利局职责" |
    grep -E '^(id|state)'

  say "Coordination opened a matter on the contest (协调事项); 黄主任 decides: 住建局 leads, 水利局 assists"
  matter=""
  for _ in $(seq 50); do
    matter=$(z --as huang.zhuren --json matter list | json_id_where raised_by supervision)
    [ -n "$matter" ] && break
    sleep 0.2
  done
  [ -n "$matter" ] || { echo "no matter; see data/coordination/coordination.log" >&2; exit 1; }
  z --as chen.shuili matter position "$matter" --text "水利局负责水源和供水主管网，二次供水设施属住建部门监管" >/dev/null
  z --as sun.zonghe matter coordinate "$matter" --note "召集水利局、住建局会商" >/dev/null
  z --as huang.zhuren matter resolve "$matter" --decision "二次供水设施监管由区住建局牵头，区水利局配合" \
    --reasons "依据《城市供水条例》和部门职责分工" --lead 430204/zjj --co 430204/slj >/dev/null
  z --as huang.zhuren matter show "$matter"

  say "Supervision reassigned the task (改派); 住建局 signs, finishes it, and 督查室 closes the item"
  for _ in $(seq 50); do
    z --as zhao.ducha task show "$mtask" | grep -q "430204/zjj" && break
    sleep 0.2
  done
  z --as wei.zhujian task accept "$mtask" >/dev/null
  z --as wei.zhujian task complete "$mtask" --summary "已制定二次供水设施监管办法并印发" >/dev/null
  z --as zhao.ducha task verify "$mtask" --approve | grep -E '^(id|state|lead unit):'
  z --as zhao.ducha item close "$mitem" --feedback "监管办法已印发，职责已明确。" | grep -E '^(id|state):'
fi

