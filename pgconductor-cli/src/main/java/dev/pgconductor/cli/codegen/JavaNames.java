package dev.pgconductor.cli.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How SQL names become Java names in generated code.
 *
 * <ul>
 *   <li>A name is split into words at every character that is not a letter or digit (spaces,
 *       underscores, dashes, quotes, ...) and where lower case turns to upper case ({@code
 *       firstName}, {@code HTTPServer}). Letters of any script are kept.
 *   <li>Type names join the words capitalized ({@code order_items} → {@code OrderItems}); member
 *       names do the same but start lower case ({@code first_name} → {@code firstName}, {@code URL}
 *       → {@code url}); enum constants join them upper case with underscores ({@code in-progress} →
 *       {@code IN_PROGRESS}).
 *   <li>A name that would start with a digit gets a leading underscore ({@code 2fa} → {@code
 *       _2fa}); a member name that is a Java keyword or literal, or a name a record component may
 *       not have ({@code hashCode}, {@code toString}, ...), gets a trailing one ({@code class} →
 *       {@code class_}).
 *   <li>A name with no letter or digit at all becomes a fallback given by the caller.
 * </ul>
 */
public final class JavaNames {
  private JavaNames() {}

  private static final Set<String> KEYWORDS =
      Set.of(
          "abstract",
          "assert",
          "boolean",
          "break",
          "byte",
          "case",
          "catch",
          "char",
          "class",
          "const",
          "continue",
          "default",
          "do",
          "double",
          "else",
          "enum",
          "extends",
          "final",
          "finally",
          "float",
          "for",
          "goto",
          "if",
          "implements",
          "import",
          "instanceof",
          "int",
          "interface",
          "long",
          "native",
          "new",
          "package",
          "private",
          "protected",
          "public",
          "return",
          "short",
          "static",
          "strictfp",
          "super",
          "switch",
          "synchronized",
          "this",
          "throw",
          "throws",
          "transient",
          "try",
          "void",
          "volatile",
          "while",
          "true",
          "false",
          "null",
          "_",
          // contextual keywords: legal in most places, but awkward; avoided as member names
          "var",
          "yield",
          "record",
          "sealed",
          "permits",
          "non-sealed",
          "when",
          "module",
          "open",
          "exports",
          "requires",
          "to",
          "uses",
          "provides",
          "with",
          "opens",
          "transitive");

  /** Names a record component may not have (JLS 8.10.1). */
  private static final Set<String> FORBIDDEN_COMPONENTS =
      Set.of(
          "clone", "finalize", "getClass", "hashCode", "notify", "notifyAll", "toString", "wait");

  private static final Map<String, String> IRREGULAR =
      Map.ofEntries(
          Map.entry("people", "person"),
          Map.entry("children", "child"),
          Map.entry("men", "man"),
          Map.entry("women", "woman"),
          Map.entry("mice", "mouse"),
          Map.entry("geese", "goose"),
          Map.entry("teeth", "tooth"),
          Map.entry("feet", "foot"),
          Map.entry("indices", "index"),
          Map.entry("matrices", "matrix"),
          Map.entry("vertices", "vertex"),
          Map.entry("analyses", "analysis"),
          Map.entry("statuses", "status"),
          Map.entry("aliases", "alias"),
          Map.entry("buses", "bus"),
          Map.entry("quizzes", "quiz"),
          Map.entry("criteria", "criterion"),
          Map.entry("movies", "movie"),
          Map.entry("cookies", "cookie"),
          Map.entry("zombies", "zombie"),
          Map.entry("calories", "calorie"),
          Map.entry("ties", "tie"),
          Map.entry("pies", "pie"),
          Map.entry("lies", "lie"));

  /** Words that are the same in the plural, or have none, or only look plural. */
  private static final Set<String> UNCHANGED =
      Set.of(
          "data",
          "metadata",
          "media",
          "news",
          "series",
          "species",
          "information",
          "equipment",
          "feedback",
          "software",
          "hardware",
          "sheep",
          "fish",
          "deer",
          "money",
          "staff",
          "analytics",
          "statistics",
          "physics",
          "mathematics",
          "gas",
          "canvas",
          "atlas",
          "bias",
          "alias",
          "chaos",
          "lens",
          "always",
          "perhaps",
          "its",
          "this",
          "yes",
          "plus");

  /**
   * The words of a SQL name: runs of letters and digits, split where lower case turns to upper case
   * and before the last capital of a run of capitals followed by lower case.
   */
  public static List<String> words(String name) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    int[] cps = name.codePoints().toArray();
    for (int i = 0; i < cps.length; i++) {
      int cp = cps[i];
      if (!Character.isLetterOrDigit(cp) || !Character.isJavaIdentifierPart(cp)) {
        flush(words, word);
        continue;
      }
      if (!word.isEmpty() && Character.isUpperCase(cp)) {
        int prev = cps[i - 1];
        boolean nextLower = i + 1 < cps.length && Character.isLowerCase(cps[i + 1]);
        if (Character.isLowerCase(prev)
            || Character.isDigit(prev)
            || (Character.isUpperCase(prev) && nextLower)) {
          flush(words, word);
        }
      }
      word.appendCodePoint(cp);
    }
    flush(words, word);
    return words;
  }

  private static void flush(List<String> words, StringBuilder word) {
    if (!word.isEmpty()) {
      words.add(word.toString());
      word.setLength(0);
    }
  }

  /** A type name: {@code order_items} → {@code OrderItems}; {@code fallback} if nothing is left. */
  public static String typeName(String sqlName, String fallback) {
    StringBuilder out = new StringBuilder();
    for (String w : words(sqlName)) {
      out.append(capitalize(w));
    }
    return leadingDigit(out.isEmpty() ? fallback : out.toString());
  }

  /**
   * A member name: {@code first_name} → {@code firstName}, {@code class} → {@code class_}; {@code
   * fallback} if nothing is left.
   */
  public static String memberName(String sqlName, String fallback) {
    List<String> words = words(sqlName);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      out.append(i == 0 ? w.toLowerCase(Locale.ROOT) : capitalize(w));
    }
    String name = leadingDigit(out.isEmpty() ? fallback : out.toString());
    if (KEYWORDS.contains(name) || FORBIDDEN_COMPONENTS.contains(name)) {
      name = name + "_";
    }
    return name;
  }

  /** An enum constant: {@code in-progress} → {@code IN_PROGRESS}; {@code fallback} if empty. */
  public static String constantName(String label, String fallback) {
    List<String> words = words(label);
    if (words.isEmpty()) {
      return fallback;
    }
    return leadingDigit(
        String.join("_", words.stream().map(w -> w.toUpperCase(Locale.ROOT)).toList()));
  }

  /**
   * The singular of a table name, by English rules for common cases applied to its last word
   * ({@code contacts} → {@code contacts}'s singular {@code contact}, {@code order_items} → {@code
   * order_item}, {@code people} → {@code person}, {@code categories} → {@code category}, {@code
   * addresses} → {@code address}, {@code status} unchanged). Names whose last word is short (under
   * four letters), not plural-looking, or a known exception are returned unchanged.
   */
  public static String singular(String sqlName) {
    // the last word's place in the original name: the trailing run of letters
    int end = sqlName.length();
    int start = end;
    while (start > 0 && Character.isLetter(sqlName.charAt(start - 1))) {
      start--;
    }
    if (end - start < 3) {
      return sqlName;
    }
    String last = sqlName.substring(start, end);
    // a camel-case name: only its last capitalized part
    int hump = -1;
    for (int i = last.length() - 1; i > 0; i--) {
      if (Character.isUpperCase(last.charAt(i)) && Character.isLowerCase(last.charAt(i - 1))) {
        hump = i;
        break;
      }
    }
    if (hump > 0) {
      start += hump;
      last = last.substring(hump);
    }
    String singular = singularWord(last);
    return sqlName.substring(0, start) + singular;
  }

  private static String singularWord(String word) {
    String lower = word.toLowerCase(Locale.ROOT);
    boolean upper = word.equals(word.toUpperCase(Locale.ROOT)) && word.length() > 1;
    String result;
    if (UNCHANGED.contains(lower)) {
      return word;
    } else if (IRREGULAR.containsKey(lower)) {
      result = IRREGULAR.get(lower);
      result = upper ? result.toUpperCase(Locale.ROOT) : sameCaseStart(word, result);
      return result;
    } else if (lower.length() < 4 || !lower.endsWith("s")) {
      return word;
    } else if (lower.endsWith("ss") || lower.endsWith("us") || lower.endsWith("is")) {
      return word;
    } else if (lower.endsWith("ies") && lower.length() > 4) {
      return word.substring(0, word.length() - 3) + (upper ? "Y" : "y");
    } else if (lower.endsWith("sses")
        || lower.endsWith("xes")
        || lower.endsWith("ches")
        || lower.endsWith("shes")
        || lower.endsWith("zzes")) {
      return word.substring(0, word.length() - 2);
    } else {
      return word.substring(0, word.length() - 1);
    }
  }

  private static String sameCaseStart(String original, String replacement) {
    return Character.isUpperCase(original.charAt(0)) ? capitalize(replacement) : replacement;
  }

  /** Whether a name is a Java keyword, literal or contextual keyword. */
  public static boolean isKeyword(String name) {
    return KEYWORDS.contains(name);
  }

  private static String capitalize(String word) {
    int first = word.codePointAt(0);
    return new StringBuilder()
        .appendCodePoint(Character.toTitleCase(first))
        .append(word.substring(Character.charCount(first)).toLowerCase(Locale.ROOT))
        .toString();
  }

  private static String leadingDigit(String name) {
    return Character.isJavaIdentifierStart(name.codePointAt(0)) ? name : "_" + name;
  }
}
