package dev.pgconductor.cli.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import javax.lang.model.SourceVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JavaNamesTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "first_name|firstName",
        "firstName|firstName",
        "FirstName|firstName",
        "URL|url",
        "userID|userId",
        "HTTPServer|httpServer",
        "with space|withSpace",
        "dash-ed|dashEd",
        "quote\"d|quoteD",
        "version2Name|version2Name",
        "1st|_1st",
        "class|class_",
        "default|default_",
        "hashCode|hashCode_",
        "toString|toString_",
        "record|record_",
        "_|column7",
        "!!!|column7",
        "größe|größe",
        "Ünïcödé|ünïcödé",
      })
  void memberNames(String sql, String java) {
    assertThat(JavaNames.memberName(sql, "column7")).isEqualTo(java);
    assertThat(SourceVersion.isName(java)).isTrue();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "order_items|OrderItems",
        "OrderItems|OrderItems",
        "HTTP_logs|HttpLogs",
        "2fa_codes|_2faCodes",
        "!!!|Table",
        "Other Schema|OtherSchema",
      })
  void typeNames(String sql, String java) {
    assertThat(JavaNames.typeName(sql, "Table")).isEqualTo(java);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "in-progress|IN_PROGRESS",
        "done|DONE",
        "inProgress|IN_PROGRESS",
        "2nd try|_2ND_TRY",
        "größe|GRÖSSE",
        "...|VALUE_1",
      })
  void constantNames(String label, String java) {
    assertThat(JavaNames.constantName(label, "VALUE_1")).isEqualTo(java);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "contacts|contact",
        "order_items|order_item",
        "orderItems|orderItem",
        "ORDER_ITEMS|ORDER_ITEM",
        "people|person",
        "children|child",
        "categories|category",
        "addresses|address",
        "boxes|box",
        "batches|batch",
        "statuses|status",
        "status|status",
        "news|news",
        "data|data",
        "movies|movie",
        "bus|bus",
        "ids|ids",
        "analysis|analysis",
        "user|user",
        "user_settings|user_setting",
      })
  void singulars(String plural, String singular) {
    assertThat(JavaNames.singular(plural)).isEqualTo(singular);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a", "a b c", "ÄÖÜ", "🚀 launch", "x\u0000y", "\\u000a"})
  void everyNameIsAValidIdentifier(String sql) {
    assertThat(SourceVersion.isName(JavaNames.memberName(sql, "fallback"))).isTrue();
    assertThat(SourceVersion.isName(JavaNames.typeName(sql, "Fallback"))).isTrue();
    assertThat(SourceVersion.isName(JavaNames.constantName(sql, "FALLBACK"))).isTrue();
  }

  @Test
  void javadocTextCannotCloseTheCommentOrStartATag() {
    assertThat(RecordGenerator.html("*/ <b> @param {@code x} \\u000a & \n"))
        .isEqualTo(
            "&#42;&#47; &lt;b&gt; &#64;param &#123;&#64;code x&#125; &#92;u000a &amp; &#10;");
  }
}
