"""Each figure correction of the policy-truth review, pinned to the reference it comes from
(shared/reference/si-policy-facts.md and its 2026 addendum)."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from decimal import Decimal

import pytest

from policies.contributions import monthly_contribution, supplements_left_out
from policies.library import (
    DEFAULT_DIRECTORY,
    PolicyFileError,
    load_library,
    parse_region,
    sourced_items,
)
from policies.schema import Confidence, weakest

LIBRARY = load_library()


def _item(contribution, name):  # type: ignore[no-untyped-def]
    return next(i for i in contribution.items if i.insurance == name)


def test_beijing_medical_rate_is_unconfirmed_and_names_the_reading_used() -> None:
    # sources conflict: 9.8 % incl. maternity vs 10 % + 0.8 % (addendum §3: official text U)
    medical = LIBRARY.region("北京").version_for(date(2025, 12, 1)).rates.medical.employer
    assert medical.value == Decimal("0.098") and medical.unconfirmed
    assert "9.8%" in medical.note and "701.88" in medical.note and "773.50" in medical.note


def test_beijing_housing_fund_floor_is_2420_until_august_2025() -> None:
    # 京房公积金管委会办〔2025〕13号: floor 2540 only from 2025-09-01
    beijing = LIBRARY.region("北京")
    assert beijing.version_for(date(2025, 8, 1)).housing_fund.base_floor.value == 2420
    assert beijing.version_for(date(2025, 9, 1)).housing_fund.base_floor.value == 2540
    assert beijing.version_for(date(2025, 8, 1)).base.floor.value == 7162


def test_shenzhen_unemployment_follows_the_minimum_wage_and_the_2025_rates() -> None:
    shenzhen = LIBRARY.region("深圳")
    march = shenzhen.version_for(date(2025, 3, 1)).rates.unemployment
    assert march.base_floor.value == 2520 and march.base_floor.unconfirmed  # 粤府函〔2025〕23号
    july = shenzhen.version_for(date(2025, 7, 1))
    unemployment = _item(monthly_contribution(july, Decimal("10000")), "unemployment")
    # addendum §4: 0.8 % / 0.2 % on a 2,520–44,265 base from 2025-07
    assert (unemployment.base, unemployment.employer, unemployment.employee) == (
        Decimal("10000"), Decimal("80.00"), Decimal("20.00"))
    assert july.rates.unemployment.base_ceiling.value == 44265


def test_shenzhen_2024_pension_step_is_unconfirmed_and_hukou_supplement_is_computed() -> None:
    shenzhen = LIBRARY.region("深圳")
    assert shenzhen.version_for(date(2024, 9, 1)).rates.pension.employer.unconfirmed
    version = shenzhen.version_for(date(2025, 9, 1))
    plain = _item(monthly_contribution(version, Decimal("10000")), "pension")
    local = _item(monthly_contribution(version, Decimal("10000"), supplement=True), "pension")
    assert (plain.employer, local.employer) == (Decimal("1600.00"), Decimal("1700.00"))
    assert any("深户" in note for note in supplements_left_out(version))


def test_shenzhen_work_injury_base_floor_is_the_minimum_wage() -> None:
    version = LIBRARY.region("深圳").version_for(date(2025, 9, 1))
    injury = _item(monthly_contribution(version, Decimal("3000")), "work_injury")
    assert injury.base == Decimal("3000")          # the pension floor (4775) no longer applies
    assert version.rates.work_injury.base_floor.value == 2520


def test_shenzhen_15th_is_the_cut_off_not_the_payment_deadline() -> None:
    shenzhen = LIBRARY.region("深圳")
    rule = shenzhen.version_for(date(2026, 1, 1)).deadline
    assert rule.unconfirmed and "增减员" in (rule.note or "")
    assert shenzhen.declaration_deadline(date(2026, 1, 1)) == date(2026, 1, 31)


@pytest.mark.parametrize(("month", "employer", "employee"), [
    (date(2024, 9, 1), Decimal("40.00") + Decimal("10.00"), Decimal("10.00")),
])
def test_guangzhou_unemployment_and_injury_bases_floor_at_the_minimum_wage(
        month, employer, employee) -> None:
    # si-policy-facts §2.4: unemployment and injury bases floor at the minimum wage (2,300),
    # so a 5,000 wage is not raised to the pension floor (5,500): ¥5.00 / ¥1.00 less a month
    version = LIBRARY.region("广州").version_for(month)
    contribution = monthly_contribution(version, Decimal("5000"))
    unemployment = _item(contribution, "unemployment")
    injury = _item(contribution, "work_injury")
    assert unemployment.base == injury.base == Decimal("5000")
    assert unemployment.employer + injury.employer == employer
    assert unemployment.employee == employee
    assert _item(contribution, "pension").base == Decimal("5500")


def test_guangzhou_minimum_wage_steps() -> None:
    guangzhou = LIBRARY.region("广州")
    assert guangzhou.version_for(date(2025, 3, 1)).rates.unemployment.base_floor.value == 2500
    sep = guangzhou.version_for(date(2026, 9, 1)).rates.work_injury.base_floor
    assert sep.value == 2680 and sep.conf is Confidence.OFFICIAL   # 粤府函〔2026〕188号


def test_chengdu_base_period_and_medical_base_are_unconfirmed() -> None:
    version = LIBRARY.region("成都").version_for(date(2025, 3, 1))
    assert version.base.floor.unconfirmed and "年度起止" in version.base.floor.note
    assert version.rates.medical.base_floor.unconfirmed


def test_national_medical_gap_rule_and_unemployment_split_are_not_presented_as_rules() -> None:
    version = LIBRARY.national.version_for(date(2025, 6, 1))
    assert version.medical_gap.grace_months.conf is not Confidence.OFFICIAL
    assert version.medical_gap.grace_months.unconfirmed
    assert version.rates.unemployment.employer.assumption
    assert version.rates.unemployment.employee.assumption


def test_every_version_carries_its_weakest_figure_s_mark() -> None:
    for region in LIBRARY.regions.values():
        for version in region.versions:
            marks = [item.conf for _, item in sourced_items(version)]
            assert version.confidence is weakest(marks), (region.key, version.id)


def test_a_version_marked_stronger_than_its_figures_is_refused() -> None:
    raw = tomllib.loads((DEFAULT_DIRECTORY / "beijing.toml").read_text(encoding="utf-8"))
    raw["versions"][0]["confidence"] = "O"
    with pytest.raises(PolicyFileError) as caught:
        parse_region(raw, "beijing.toml")
    assert caught.value.field == "confidence" and "must be U" in str(caught.value)


def test_sources_show_their_own_date_and_nothing_claims_a_re_check() -> None:
    beijing = LIBRARY.region("北京").version_for(date(2025, 12, 1))
    assert beijing.base.floor.source.dated == "2025-09-18"
    assert beijing.base.floor.source.date_text == "来源日期 2025-09-18"
    for region in LIBRARY.regions.values():
        for version in region.versions:
            for _, item in sourced_items(version):
                assert item.source.checked is None
                assert "2026-11-25" not in item.source.dated


@pytest.mark.parametrize("city", ["广州", "杭州", "成都", "全国"])
def test_an_assumed_deadline_is_listed_as_unconfirmed_in_back_payments(city) -> None:
    from policies.contributions import unconfirmed_figures

    version = LIBRARY.region(city).version_for(date(2026, 1, 1))
    assert "每月缴费截止日" in unconfirmed_figures(version)


def test_the_backpay_command_lists_an_assumed_deadline_as_unconfirmed(capsys) -> None:
    from bot.cli import main

    assert main(["backpay", "--city", "广州", "--base", "6000", "--month", "2025-12",
                 "--pay-date", "2026-01-20"]) == 0
    out = capsys.readouterr().out
    unconfirmed = next(line for line in out.splitlines() if line.startswith("未确认"))
    assert "每月缴费截止日" in unconfirmed


@pytest.mark.parametrize(("city", "month", "due"), [
    ("全国", date(2026, 2, 1), date(2026, 2, 24)),   # 15th in 春节: next working day
    ("广州", date(2026, 2, 1), date(2026, 2, 24)),
    ("杭州", date(2026, 3, 1), date(2026, 3, 16)),   # Sunday 15th
    ("北京", date(2026, 10, 1), date(2026, 10, 25)),  # 25th not extended (Sunday stays)
    ("上海", date(2026, 2, 1), date(2026, 2, 27)),   # 28th is a 调休 Saturday
])
def test_day_of_month_deadlines_follow_each_city_s_holiday_rule(city, month, due) -> None:
    region = LIBRARY.region(city)
    assert region.declaration_deadline(month) == due
    rule = region.version_for(month).deadline.on_holiday
    assert rule.unconfirmed == (city in {"全国", "广州", "杭州"})


# --- the calculator: 补差 before publication, the 北京 2025 window, the year basis ------------

def test_a_month_due_before_publication_is_charged_old_base_first_then_trued_up() -> None:
    from policies.backpay import back_payment

    beijing = LIBRARY.region("北京")
    result = back_payment(beijing, Decimal("5000"), [date(2025, 8, 1)], date(2025, 9, 10))
    month = result.months[0]
    assert month.true_up is not None
    assert month.true_up.provisional.base == Decimal("6821")      # 2024年度 floor
    assert month.contribution.base == Decimal("7162")             # 2025年度 floor
    assert month.true_up.difference == month.contribution.total - month.true_up.provisional.total
    assert month.true_up.due == date(2025, 12, 31) and month.true_up.late_fee == 0
    # only the old-base charge is late: 08-25 → 09-10 is 16 days
    expected = (month.true_up.provisional.total * Decimal("0.0005") * 16).quantize(
        Decimal("0.01"))
    assert month.late_fee == expected


def test_the_beijing_2025_true_up_is_fee_free_until_the_end_of_2025_only() -> None:
    from policies.backpay import back_payment

    beijing = LIBRARY.region("北京")
    month = back_payment(beijing, Decimal("5000"), [date(2025, 7, 1)],
                         date(2026, 1, 20)).months[0]
    assert month.true_up is not None
    old_fee = (month.true_up.provisional.total * Decimal("0.0005") * 179).quantize(
        Decimal("0.01"))                                          # 2025-07-25 → 2026-01-20
    true_up_fee = (month.true_up.difference * Decimal("0.0005") * 20).quantize(
        Decimal("0.01"))                                          # 2025-12-31 → 2026-01-20
    assert month.true_up.late_fee == true_up_fee
    assert month.late_fee == old_fee + true_up_fee
    # September was due after publication (2025-09-18): priced at the new base at once
    september = back_payment(beijing, Decimal("5000"), [date(2025, 9, 1)],
                             date(2026, 1, 20)).months[0]
    assert september.true_up is None


def test_the_year_basis_is_per_city_and_named() -> None:
    from policies.backpay import back_payment

    months, paid = [date(2025, 12, 1)], date(2026, 1, 20)
    shanghai = back_payment(LIBRARY.region("上海"), Decimal("8000"), months, paid)
    assert shanghai.cross_year_basis == "july_june" and not shanghai.cross_year
    assert shanghai.cross_year_other_reading and "7月至次年6月" in shanghai.cross_year_basis_note
    beijing = back_payment(LIBRARY.region("北京"), Decimal("8000"), months, paid)
    assert beijing.cross_year_basis == "calendar" and beijing.cross_year
    assert "按自然年判断" in beijing.cross_year_basis_note
    july = back_payment(LIBRARY.region("上海"), Decimal("8000"), [date(2025, 6, 1)],
                        date(2025, 7, 20))
    assert july.cross_year and july.cross_year_other_reading  # June→July: 跨年 only by 社保年度


def test_a_due_date_in_a_year_without_a_notice_says_so() -> None:
    from policies.backpay import back_payment

    result = back_payment(LIBRARY.region("广州"), Decimal("6000"), [date(2027, 1, 1)],
                          date(2027, 3, 1))
    assert result.calendar_caveats == ("2027年放假安排尚未公布，按周末计算工作日",)
    assert back_payment(LIBRARY.region("广州"), Decimal("6000"), [date(2026, 1, 1)],
                        date(2026, 3, 1)).calendar_caveats == ()


def test_an_import_diff_shows_a_re_marked_holiday_rule_and_a_true_up() -> None:
    from policies.library import diff_regions

    raw = tomllib.loads((DEFAULT_DIRECTORY / "beijing.toml").read_text(encoding="utf-8"))
    old = parse_region(raw, "beijing.toml")
    raw["versions"][0]["deadline"]["on_holiday"]["conf"] = "U"
    del raw["versions"][1]["true_up"]["fee_free_until"]
    changes = {(c.version, c.field) for c in diff_regions(old, parse_region(raw, "beijing.toml"))}
    assert ("2024", "deadline") in changes
    assert ("2025-jul", "true_up.fee_free_until") in changes


def test_the_backpay_command_prices_the_shenzhen_hukou_supplement_on_request(capsys) -> None:
    from bot.cli import main

    args = ["backpay", "--city", "深圳", "--base", "10000", "--month", "2025-09",
            "--pay-date", "2025-10-20"]
    assert main([*args, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main([*args, "--json", "--local-supplement"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert plain["months"][0]["items"][0]["employer"] == "1600.00"
    assert local["months"][0]["items"][0]["employer"] == "1700.00"
    assert main(args) == 0
    assert "未计入：养老保险：仅深户职工" in capsys.readouterr().out


def test_shanghai_2026_bases_follow_the_bureau_notice_with_a_true_up() -> None:
    # addendum §1: rsj.sh.gov.cn 2026-08-24, 7,546–37,731 from 2026-07-01 (O)
    from policies.backpay import back_payment

    shanghai = LIBRARY.region("上海")
    version = shanghai.version_for(date(2026, 7, 1))
    assert (version.base.floor.value, version.base.ceiling.value) == (7546, 37731)
    assert version.base.floor.conf is Confidence.OFFICIAL
    assert version.rates.pension.employer.unconfirmed          # still carried forward
    july = back_payment(shanghai, Decimal("5000"), [date(2026, 7, 1)],
                        date(2026, 12, 1)).months[0]
    assert july.true_up is not None and july.true_up.provisional.base == Decimal("7460")
    assert july.true_up.due is None and july.true_up.unconfirmed


def test_beijing_2026_bases_follow_the_notice_with_a_true_up_and_no_fee_free_window() -> None:
    # addendum §1: 京人社发〔2026〕7号, 7,270–36,348 from 2026-07, 补差 collected later (S)
    from policies.backpay import back_payment

    beijing = LIBRARY.region("北京")
    version = beijing.version_for(date(2026, 7, 1))
    assert version.label == "北京2026年度"
    assert (version.base.floor.value, version.base.ceiling.value) == (7270, 36348)
    assert version.base.floor.conf is Confidence.SECONDARY
    assert "京人社发〔2026〕7号" in version.base.floor.source.name
    assert version.true_up is not None and version.true_up.fee_free_until is None
    assert version.true_up.published.value == date(2026, 8, 21)
    assert version.rates.pension.employer.unconfirmed          # rates still carried forward
    assert "7,270" in version.rates.medical.employer.note      # the reading used, at the floor
    assert beijing.version_for(date(2026, 6, 1)).base.floor.value == 7162
    # July was due 2026-07-25, before publication: billed at 7,162 first, then 7,270.
    # By hand at 7,162: employer 1145.92 + 701.88 + 35.81 + 14.32 = 1897.93,
    # employee 572.96 + 143.24 + 3 + 35.81 = 755.01 → 2652.94;
    # at 7,270: employer 1163.20 + 712.46 + 36.35 + 14.54 = 1926.55,
    # employee 581.60 + 145.40 + 3 + 36.35 = 766.35 → 2692.90; 补差 39.96.
    july = back_payment(beijing, Decimal("5000"), [date(2026, 7, 1)], date(2026, 12, 1)).months[0]
    assert july.true_up is not None
    assert july.true_up.provisional.total == Decimal("2652.94")
    assert july.contribution.total == Decimal("2692.90")
    assert july.true_up.difference == Decimal("39.96")
    assert july.true_up.due is None and july.true_up.unconfirmed and july.true_up.late_fee == 0
    # the old-base charge is late from 2026-07-26 to 2026-12-01: 129 days
    assert july.late_fee == (Decimal("2652.94") * Decimal("0.0005") * 129).quantize(
        Decimal("0.01"))
    august = back_payment(beijing, Decimal("40000"), [date(2026, 8, 1)],
                          date(2026, 12, 1)).months[0]
    assert august.true_up is None and august.contribution.base == Decimal("36348")


def test_chengdu_2026_bases_and_rates_follow_the_addendum_from_july() -> None:
    # addendum §1: 川人社办发〔2026〕50号 4,699–23,493 from 2026-07, 医保 base the same (S);
    # rates 医保 8.3 %/2 %, 失业 0.6/0.4, 工伤 class 1 0.24 % (川人社规〔2026〕3号, S)
    chengdu = LIBRARY.region("成都")
    june = chengdu.version_for(date(2026, 6, 1))
    assert june.base.floor.value == 4588 and june.base.floor.unconfirmed
    version = chengdu.version_for(date(2026, 7, 1))
    assert (version.base.floor.value, version.base.ceiling.value) == (4699, 23493)
    assert version.base.floor.conf is Confidence.SECONDARY
    assert (version.rates.medical.base_floor.value,
            version.rates.medical.base_ceiling.value) == (4699, 23493)
    assert not version.rates.medical.employer.unconfirmed
    # the 1 % unemployment rate has no 2026 extension notice (addendum: notice U)
    assert version.rates.unemployment.employer.unconfirmed
    injury = version.rates.work_injury.employer
    assert injury.value == Decimal("0.0024") and injury.assumption   # class 1 is assumed
    assert "川人社规〔2026〕3号" in injury.note
    # by hand at 5,000: employer 800 + 415 + 30 + 12 = 1257.00; employee 400 + 100 + 20 = 520.00
    contribution = monthly_contribution(version, Decimal("5000"))
    assert (contribution.employer, contribution.employee) == (Decimal("1257.00"),
                                                              Decimal("520.00"))
    assert monthly_contribution(version, Decimal("3000")).base == Decimal("4699")


def test_shenzhen_2026_medical_follows_the_bureau_notice_for_the_calendar_year() -> None:
    # addendum §1: 深圳 医保+生育 2026-01-01 → 2026-12-31, base 6,727–33,633, employer 6 %
    # (restored from 5 %) + 生育 0.5 %, employee 2 % (S; hsa.sz.gov.cn post_12568243)
    shenzhen = LIBRARY.region("深圳")
    for month in (date(2026, 1, 1), date(2026, 7, 1), date(2026, 9, 1), date(2026, 12, 1)):
        medical = shenzhen.version_for(month).rates.medical
        assert medical.employer.value == Decimal("0.065")
        assert medical.employee.value == Decimal("0.02")
        assert (medical.base_floor.value, medical.base_ceiling.value) == (6727, 33633)
        assert medical.employer.conf is Confidence.SECONDARY
        assert medical.base_floor.conf is Confidence.SECONDARY
        assert "post_12568243" in (medical.employer.source.url or "")
    assert shenzhen.version_for(date(2025, 12, 1)).rates.medical.employer.value == Decimal("0.05")
    # after 2026-12-31 the figures are carried forward, and say so
    after = shenzhen.version_for(date(2027, 1, 1)).rates.medical
    assert after.base_floor.value == 6727 and after.employer.unconfirmed
    # by hand at 10,000 in 2026-12: pension 1600.00 / 800.00; medical 650.00 / 200.00;
    # unemployment 80.00 / 20.00; work injury (class 1, 0.2 %) 20.00 → 2350.00 / 1020.00
    december = shenzhen.version_for(date(2026, 12, 1))
    contribution = monthly_contribution(december, Decimal("10000"))
    assert (_item(contribution, "medical").employer,
            _item(contribution, "medical").employee) == (Decimal("650.00"), Decimal("200.00"))
    assert (contribution.employer, contribution.employee) == (Decimal("2350.00"),
                                                              Decimal("1020.00"))
    # below the medical floor: 6727 × 0.065 = 437.255 → 437.26; 6727 × 0.02 = 134.54
    low = _item(monthly_contribution(december, Decimal("5000")), "medical")
    assert (low.base, low.employer, low.employee) == (Decimal("6727"), Decimal("437.26"),
                                                      Decimal("134.54"))


def test_guangzhou_2026_medical_uses_the_including_maternity_reading_marked_unconfirmed() -> None:
    # addendum §1: 广州 医保 2026 base 6,234–31,170; 6 %/2 %; 生育 conflicts (A: incl.;
    # C: + 0.85 %): the 6 % is used and marked U, the note prices the other reading
    guangzhou = LIBRARY.region("广州")
    for month in (date(2026, 1, 1), date(2026, 7, 1), date(2026, 12, 1)):
        medical = guangzhou.version_for(month).rates.medical
        assert medical.employer.value == Decimal("0.06") and medical.employer.unconfirmed
        assert medical.employee.value == Decimal("0.02")
        assert medical.employee.conf is Confidence.SECONDARY
        assert (medical.base_floor.value, medical.base_ceiling.value) == (6234, 31170)
        assert medical.base_floor.conf is Confidence.SECONDARY
        # at the floor: 6234 × 0.06 = 374.04; 6234 × 0.0685 = 427.029 → 427.03
        assert "374.04" in medical.employer.note and "427.03" in medical.employer.note
    assert guangzhou.version_for(date(2027, 1, 1)).rates.medical.base_floor.unconfirmed
    # by hand at 10,000 in 2026-12: pension 1600.00 / 800.00; medical 600.00 / 200.00;
    # unemployment 80.00 / 20.00; work injury 20.00 → 2300.00 / 1020.00
    december = guangzhou.version_for(date(2026, 12, 1))
    contribution = monthly_contribution(december, Decimal("10000"))
    assert (contribution.employer, contribution.employee) == (Decimal("2300.00"),
                                                              Decimal("1020.00"))
    low = _item(monthly_contribution(december, Decimal("5000")), "medical")
    assert (low.base, low.employer, low.employee) == (Decimal("6234"), Decimal("374.04"),
                                                      Decimal("124.68"))


def test_shanghai_2026_medical_rate_follows_the_notice_until_february_2027() -> None:
    # addendum §1: 上海 医保 9 %/2 % (沪医保规〔2026〕2号, S) to 2027-02-28; start not given
    shanghai = LIBRARY.region("上海")
    for month in (date(2026, 7, 1), date(2026, 12, 1), date(2027, 2, 1)):
        medical = shanghai.version_for(month).rates.medical
        assert (medical.employer.value, medical.employee.value) == (Decimal("0.09"),
                                                                    Decimal("0.02"))
        assert medical.employer.conf is Confidence.SECONDARY
        assert "沪医保规〔2026〕2号" in medical.employer.source.name
    assert shanghai.version_for(date(2026, 3, 1)).rates.medical.employer.unconfirmed
    march = shanghai.version_for(date(2027, 3, 1))
    assert march.rates.medical.employer.unconfirmed
    assert (march.base.floor.value, march.base.ceiling.value) == (7546, 37731)
    # by hand at 10,000: 900.00 / 200.00
    medical = _item(monthly_contribution(shanghai.version_for(date(2026, 12, 1)),
                                         Decimal("10000")), "medical")
    assert (medical.employer, medical.employee) == (Decimal("900.00"), Decimal("200.00"))


def test_the_beijing_true_up_answer_names_the_2026_true_up_and_its_unknown_window() -> None:
    from policies.qa import Answer, qa_for

    result = qa_for(LIBRARY).answer("北京补差要交滞纳金吗", None, today=date(2026, 12, 1))
    assert isinstance(result, Answer)
    assert "2025-12-31前缴纳补差的不收滞纳金" in result.text
    assert "京人社发〔2026〕7号" in result.text
    assert "未找到规定" in result.text and "未确认" in result.text


@pytest.mark.parametrize(("city", "month", "year"), [
    ("上海", date(2027, 1, 1), 2027),    # second-to-last working day: the calendar decides
    ("广州", date(2027, 1, 1), 2027),    # the 15th, moved to the next working day
    ("上海", date(2026, 12, 1), None),   # 2026's notice is entered
    ("北京", date(2027, 1, 1), None),    # the 25th is not moved: no calendar involved
    ("深圳", date(2027, 1, 1), None),    # month-end, not moved
])
def test_a_deadline_on_an_unpublished_calendar_names_the_year(city, month, year) -> None:
    assert LIBRARY.region(city).holiday_notice_missing(month) == year
