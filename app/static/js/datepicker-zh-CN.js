/* Chinese calendar for FAB's date fields (bootstrap-datepicker): 年/月/日, weeks start on Monday. */
(function ($) {
  "use strict";
  if (!$ || !$.fn || !$.fn.datepicker) { return; }
  $.fn.datepicker.dates["zh-CN"] = {
    days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    daysShort: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    daysMin: ["日", "一", "二", "三", "四", "五", "六"],
    months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
    monthsShort: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
    today: "今天",
    clear: "清除",
    format: "yyyy-mm-dd",
    titleFormat: "yyyy年m月",
    weekStart: 1
  };
  $.extend($.fn.datepicker.defaults, {
    language: "zh-CN",
    format: "yyyy-mm-dd",
    weekStart: 1,
    todayBtn: "linked",
    clearBtn: true,
    todayHighlight: true,
    autoclose: true
  });
  $(function () {
    $(".appbuilder_date input, .appbuilder_datetime input").attr({"lang": "zh-CN", "autocomplete": "off",
      "placeholder": "年-月-日，如 2026-11-29"});
  });
}(window.jQuery));
